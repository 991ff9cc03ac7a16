"""`make run` in a scratch checkout, for end-to-end tests of the newcomer path.

`LocalRun(tmp_path)` links the code into `tmp_path/checkout` (no .env, no var/), runs
what `make run` runs there (dotenv_init, the banner, then embedded Redis -> sandbox ->
honcho with the Procfile) with only PATH and HOME from this environment (no REDIS_URL,
no vendor credentials), and stops it as Ctrl-C in a terminal does: SIGINT to the group.
"""
import os
import re
import signal
import subprocess
import sys
import time

import requests

from handlers.embedded_redis import EmbeddedRedis
from tests.helpers import free_port, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINKED = ["app.py", "gunicorn.conf.py", "Procfile", "routes.yaml", "handlers", "tasks", "schemas", "examples",
          "hooks", ".venv"]
VENV_BIN = os.path.dirname(sys.executable)
CHAIN = ["-m", "handlers.embedded_redis", sys.executable, "-m", "handlers.sandbox.run", sys.executable,
         "-m", "handlers.procfile"]  # the Makefile's run target


def new_terminal_env():
    """What a new shell at the repo root has: no project variables at all."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


class LocalRun:
    def __init__(self, tmp_path):
        self.root = tmp_path / "checkout"
        self.root.mkdir()
        for name in LINKED:
            os.symlink(os.path.join(REPO, name), self.root / name)
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.env = dict(new_terminal_env(), PATH=VENV_BIN + os.pathsep + new_terminal_env()["PATH"],
                        PORT=str(self.port), VENDOR_SANDBOX="true", PYTHONUNBUFFERED="1",
                        PROMETHEUS_MULTIPROC_DIR=str(self.root / "var" / "prometheus"))
        self.process = None
        self.logs = []
        self.banner = ""

    def prepare(self):
        """dotenv_init and the banner, as `make run` does before it starts anything."""
        subprocess.run([sys.executable, "-m", "handlers.dotenv_init"], cwd=self.root, env=self.env, check=True)
        shown = subprocess.run([sys.executable, "-m", "handlers.banner"], cwd=self.root, env=self.env, check=True,
                               capture_output=True, text=True)
        self.banner = shown.stderr
        return self

    def start(self):
        os.makedirs(self.env["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
        log = self.root / f"run{len(self.logs)}.log"
        self.logs.append(log)
        with open(log, "wb") as output:
            self.process = subprocess.Popen([sys.executable, *CHAIN], cwd=self.root, env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self.process.poll() is not None or self.ready(), timeout=60, interval=0.2,
                 message="make run to answer /readyz")
        assert self.process.poll() is None, log.read_text()[-3000:]
        wait_for(lambda: b"ready." in log.read_bytes(), timeout=60, interval=0.2, message="the worker")
        return self

    def ready(self):
        try:
            return requests.get(self.url + "/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def ctrl_c(self, timeout=60):
        """SIGINT to every process of the run, as a terminal does; seconds until all ended."""
        return self.stop(lambda pid: os.killpg(pid, signal.SIGINT), timeout)

    def hangup(self, timeout=60):
        """SIGHUP to every process of the run, as closing the terminal window does."""
        return self.stop(lambda pid: os.killpg(pid, signal.SIGHUP), timeout)

    def sigterm(self, timeout=60):
        """SIGTERM to the top process only, as a supervisor that signals one pid does."""
        return self.stop(lambda pid: os.kill(pid, signal.SIGTERM), timeout)

    def stop(self, send, timeout=60):
        """Send a stop signal; seconds until every process of the run has ended, those in
        sessions of their own too (nothing answers on the web port or the Redis socket)."""
        started = time.monotonic()
        send(self.process.pid)
        self.process.wait(timeout)
        wait_for(lambda: not group_alive(self.process.pid), timeout=timeout, interval=0.05, message="the group to end")
        elapsed = time.monotonic() - started
        assert not self.ready(), "the web process outlived the stop"
        assert not EmbeddedRedis(self.root / "var").answers(), "the embedded Redis outlived the stop"
        return elapsed

    def kill(self):
        """SIGKILL to the run and every process under it (the wrappers start their command,
        and honcho each process, in a session of its own: killing the group is not enough)."""
        if self.process is None or self.process.poll() is not None and not descendants(self.process.pid):
            return
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def dotenv(self):
        return dict(line.split("=", 1) for line in (self.root / ".env").read_text().splitlines() if "=" in line)

    def admin(self, path):
        answer = requests.get(self.url + path, headers={"Authorization": f"Bearer {self.dotenv()['ADMIN_TOKEN']}"},
                              timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def banner_command(self, after):
        """The command the banner shows on the line after `after`, as argv."""
        lines = self.banner.splitlines()
        return lines[[i for i, line in enumerate(lines) if after in line][0] + 1].split()

    def output(self):
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


def descendants(pid):
    """The pids of every process below `pid` (children, their children, ...), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def error_lines(text):
    return [line for line in text.splitlines() if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)]

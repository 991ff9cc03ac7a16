"""Run one command as the child of a wrapper (`make run`'s embedded Redis, then the sandbox).

SIGINT and SIGTERM sent to the wrapper are passed on to the child, and the wrapper waits
for it: so what the wrapper runs around the child (a Redis server, sandbox servers) stops
only after the child has ended, whether the signal came from a terminal or a supervisor.
"""
import signal
import subprocess

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_child(command, environ):
    """Start `command`, pass stop signals on to it, and return its exit code."""
    child = subprocess.Popen(command, env=environ)

    def forward(signum, _frame):
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

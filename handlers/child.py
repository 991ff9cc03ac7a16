"""Run one command as the child of a wrapper (`make run`'s embedded Redis, then the sandbox).

The child gets a session of its own, so the terminal's signals (Ctrl-C, the hang-up of a
closed window) reach the wrapper only, once: the wrapper passes SIGINT and SIGTERM on, turns
SIGHUP into SIGTERM (honcho, innermost, stops its processes gracefully on both), and waits.
So what a wrapper runs around its child (a Redis server, sandbox servers) stops only after
the child has ended, whether the signal came from a terminal or from a supervisor.
"""
import signal
import subprocess

FORWARDED_SIGNALS = {signal.SIGINT: signal.SIGINT, signal.SIGTERM: signal.SIGTERM, signal.SIGHUP: signal.SIGTERM}


def run_child(command, environ):
    """Start `command`, pass stop signals on to it, and return its exit code."""
    child = subprocess.Popen(command, env=environ, start_new_session=True)

    def forward(signum, _frame):
        child.send_signal(FORWARDED_SIGNALS[signum])

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

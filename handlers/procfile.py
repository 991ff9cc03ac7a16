"""`python -m handlers.procfile [HONCHO ARGS]`: `honcho start`, with Heroku's stop grace.

honcho sends SIGTERM to every process on Ctrl-C and SIGKILLs what is left 5 s after the
first one has stopped; a worker whose task waits on a slow vendor (read timeout 20 s) would
be killed mid-call and its delivery would wait for the sweeper. Here the grace is
STOP_GRACE_SECONDS, the 30 s a platform gives after SIGTERM (task hard limit 28 s).
"""
import sys

from honcho import command, manager

STOP_GRACE_SECONDS = 30


def main(argv):
    manager.KILL_WAIT = STOP_GRACE_SECONDS  # honcho has no option for it
    return command.main(["start", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

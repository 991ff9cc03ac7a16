"""A stop signal for the worker goes to its main process only.

honcho (`make run`) and Heroku send SIGTERM to every process of the worker's group,
pool children included. A child that dies of it loses its task mid-call (WorkerLostError,
then a reject that may find Redis already gone). Ignoring SIGTERM in the children lets the
main process run its warm shutdown: stop taking messages, let the running tasks finish,
hand the prefetched ones back to the queue, then close the pool. The hard time limit
still ends a stuck child (billiard follows its SIGTERM with SIGKILL).
"""
import signal

from celery.signals import worker_process_init


def ignore_sigterm_in_pool_child(**_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def init_celery(celery_app):
    worker_process_init.connect(ignore_sigterm_in_pool_child, weak=False)

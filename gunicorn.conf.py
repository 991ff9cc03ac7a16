"""gunicorn settings (read from the working directory by the Procfile's `web`)."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # worker processes
# gevent: each worker serves every connection in a greenlet of its own, so a client that
# trickles its headers or body holds one greenlet, not the process (with "sync", two such
# clients stopped the web process for 30 s). A request's headers must arrive within
# `keepalive` seconds; up to `worker_connections` connections per worker.
worker_class = "gevent"
worker_connections = 1000
keepalive = 5
timeout = 30
graceful_timeout = 25  # stop within Heroku's 30 s after SIGTERM
# No control socket (gunicorn 27 makes $HOME/.gunicorn/gunicorn.ctl by default, one path
# for every checkout and process on the machine); nothing here uses gunicornc.
control_socket_disable = True
accesslog = "-"
# Control characters in the decoded path escaped, query strings out of the error log.
logger_class = "handlers.web.access_log.SafeLogger"
# The request line without its query string: an incoming hook may carry its token as
# ?token=..., and secrets never go to logs. (gunicorn's default logs "%(r)s", the whole line.)
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Prometheus multiprocess mode: every worker writes its counters under
# PROMETHEUS_MULTIPROC_DIR and /metrics merges them. `make run` sets the variable (one
# folder shared with the Celery worker, emptied before start); when it is unset (e.g. a
# Heroku web dyno) gunicorn uses var/prometheus-web of its own and empties it at start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.abspath(os.path.join("var", "prometheus-web"))
    _EMPTY_METRICS_DIR_AT_START = True
else:
    _EMPTY_METRICS_DIR_AT_START = False


def on_starting(server):
    import shutil

    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if _EMPTY_METRICS_DIR_AT_START:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

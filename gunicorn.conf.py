"""gunicorn settings (read from the working directory by the Procfile's `web`)."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 25  # stop within Heroku's 30 s after SIGTERM
accesslog = "-"
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

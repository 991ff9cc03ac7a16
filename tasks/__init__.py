"""The Celery app, built from the Flask config (Flask's Celery pattern)."""
from celery import Celery, Task

from handlers.redis_client import broker_ssl_options, broker_url
from handlers.task_names import ALERTS_TICK, ENFORCE_RETENTION, REQUEUE_DUE, SWEEP
from tasks.startup import wait_for_room_step
from tasks import shutdown

# The longest task (a delivery of several rate-limited requests) is bounded by the
# hard time limit; the visibility timeout must stay above it so that Redis never
# hands a running task to a second worker.
TASK_SOFT_TIME_LIMIT_SECONDS = 25  # a warm shutdown ends within Heroku's 30 s
TASK_TIME_LIMIT_SECONDS = 28
VISIBILITY_TIMEOUT_SECONDS = 300
RETENTION_INTERVAL_SECONDS = 3600  # how often beat runs the retention sweep
REQUEUE_INTERVAL_SECONDS = 5  # how often beat queues the retries in hooks:retries that are due
SWEEP_INTERVAL_SECONDS = 15  # how often beat looks for expired leases and unrouted events
ALERTS_INTERVAL_SECONDS = 5  # how often beat checks the backlog and sends alerts whose window closed
PREFETCH_MULTIPLIER = 2
BROKER_POOL_LIMIT = 10  # broker connections a process sends messages on (Celery's default, made explicit)
# Connections of one kombu channel (kombu's default is 10 and it raises past it, it does not
# wait): under the gevent pool every one of the Procfile's 100 greenlets may ack at once.
BROKER_MAX_CONNECTIONS = 128

# Every module that defines tasks; the worker imports them all.
TASK_MODULES = ["tasks.probe", "tasks.retention", "tasks.routing", "tasks.delivery", "tasks.maintenance",
                "tasks.alerts"]


def celery_settings(redis_url):
    """Celery settings for at-least-once work over Redis."""
    transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS, "max_connections": BROKER_MAX_CONNECTIONS}
    settings = dict(
        broker_url=broker_url(redis_url),
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # 2, not 1: without an event loop (gevent pool) kombu's Redis poller whose prefetch
        # is used up sleeps up to 1 s before it looks again (MultiChannelPoller.get), even if
        # acks freed room meanwhile; with 2, the 101st message waits in the consumer for a
        # free greenlet and the poller never pauses.
        # Prefetched messages are safe: each carries a lease token (tasks.routing leases the
        # deliveries it queues) or is a routing message the sweeper re-routes.
        worker_prefetch_multiplier=PREFETCH_MULTIPLIER,
        task_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_soft_time_limit=TASK_SOFT_TIME_LIMIT_SECONDS,
        task_time_limit=TASK_TIME_LIMIT_SECONDS,
        task_default_queue="celery",
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_heartbeat=0,
        broker_pool_limit=BROKER_POOL_LIMIT,
        beat_schedule={
            "enforce-retention": {"task": ENFORCE_RETENTION, "schedule": RETENTION_INTERVAL_SECONDS},
            # expires: a tick not run by the next one is dropped instead of piling up
            "requeue-due-retries": {"task": REQUEUE_DUE, "schedule": REQUEUE_INTERVAL_SECONDS,
                                    "options": {"expires": REQUEUE_INTERVAL_SECONDS}},
            "sweep": {"task": SWEEP, "schedule": SWEEP_INTERVAL_SECONDS,
                      "options": {"expires": SWEEP_INTERVAL_SECONDS}},
            "alerts": {"task": ALERTS_TICK, "schedule": ALERTS_INTERVAL_SECONDS,
                       "options": {"expires": ALERTS_INTERVAL_SECONDS}},
        },
    )
    ssl_options = broker_ssl_options(redis_url)
    if ssl_options:
        settings["broker_use_ssl"] = ssl_options
    return settings


def celery_init_app(app):
    """Build the Celery app from app.config["CELERY"]; tasks run in the app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.update(include=list(TASK_MODULES))
    celery_app.steps["worker"].add(wait_for_room_step(app.extensions["redis"]))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    shutdown.init_celery(celery_app)
    for module in celery_app.conf.include:
        __import__(module)
    from tasks.dispatcher import dispatcher_step  # imports the delivery engine, which needs the tasks

    celery_app.steps["worker"].add(dispatcher_step(app))
    return celery_app


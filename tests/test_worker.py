"""End to end: a task sent through Redis is run by a real worker."""
import uuid

from handlers.store.keys import key
from handlers import task_names
from handlers.task_names import PROBE_WRITE
from tests.helpers import wait_for


def test_task_sent_through_redis_runs_on_worker(app, redis_client, celery_worker):
    token = uuid.uuid4().hex
    celery_app = app.extensions["celery"]
    celery_app.tasks[PROBE_WRITE].delay(token, "ran")
    assert wait_for(lambda: redis_client.get(key("probe", token)), message="probe value") == "ran"


def test_message_waits_in_redis_until_a_worker_takes_it(app, redis_client):
    token = uuid.uuid4().hex
    app.extensions["celery"].tasks[PROBE_WRITE].delay(token, "queued")
    assert redis_client.llen("celery") == 1
    assert redis_client.get(key("probe", token)) is None


def test_celery_settings_for_at_least_once_delivery(app):
    conf = app.extensions["celery"].conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 2  # the gevent consumer never pauses; prefetched messages are leased
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert PROBE_WRITE in app.extensions["celery"].tasks


def test_every_task_name_is_registered_and_beat_sends_only_those(app):
    """handlers/task_names.py names every task once: the worker registers each name under it,
    and beat's schedule sends nothing else (a typo would queue messages no task takes)."""
    names = {value for name, value in vars(task_names).items() if name.isupper()}
    registered = {name for name in app.extensions["celery"].tasks if not name.startswith("celery.")}
    assert registered == names
    assert {entry["task"] for entry in app.extensions["celery"].conf.beat_schedule.values()} <= names

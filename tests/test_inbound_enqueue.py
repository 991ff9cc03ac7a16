"""The hand-built task message is send_task's, value for value, or the app refuses to start.

Each comparison sends one task with `celery_app.send_task` to the real Redis, reads back
what kombu LPUSHed and where, and builds the same task (same id, same thread) with the
store's template: every header, property and the body must be equal; only the delivery
tag (a fresh uuid per message) differs.
"""
import pytest
from celery import signals
from kombu import Exchange, Queue
from kombu.utils.json import loads

from handlers.inbound.enqueue import UnsupportedCelerySettings
from handlers.task_names import ROUTE_EVENT as ROUTE_TASK_NAME
from tasks import celery_settings


def sent_by_celery(redis_client, celery_app, task_name, args):
    """(list key, envelope) of the one message send_task queued."""
    before = set(redis_client.keys("*"))
    celery_app.send_task(task_name, args=args, task_id="task-1")
    (key,) = [name for name in set(redis_client.keys("*")) - before if redis_client.type(name) == "list"]
    (text,) = redis_client.lrange(key, 0, -1)
    return key, loads(text)


def built_here(app, task_name, args):
    key, task_id, text = app.extensions["inbound_store"].messages.message(task_name, args, task_id="task-1")
    assert task_id == "task-1"
    return key, loads(text)


def assert_same_message(app, redis_client, task_name, args):
    celery_app = app.extensions["celery"]
    sent_key, sent = sent_by_celery(redis_client, celery_app, task_name, args)
    built_key, built = built_here(app, task_name, args)
    assert built_key == sent_key
    assert built["properties"].pop("delivery_tag") != sent["properties"].pop("delivery_tag")
    assert built == sent
    return sent_key, sent


def celery_config(redis_url, **changes):
    settings = celery_settings(redis_url)
    settings.update(changes)
    return settings


@pytest.mark.parametrize("args", [["evt_1"], ["evt with spaces", "x" * 300], [{"nested": [1, 2]}, None]])
def test_route_message_is_what_send_task_queues(app, redis_client, args):
    key, sent = assert_same_message(app, redis_client, ROUTE_TASK_NAME, args)
    assert key == "celery" and sent["headers"]["task"] == ROUTE_TASK_NAME


def test_an_unregistered_task_is_what_send_task_queues(app, redis_client):
    assert_same_message(app, redis_client, "probe.not-registered", ["a"])


@pytest.mark.parametrize("changes", [
    {"task_routes": {"routing.*": {"queue": "routing"}}},
    {"task_routes": {"routing.route_event": "routing", "delivery.*": {"queue": "delivery"}},
     "task_queues": [Queue("celery"), Queue("routing", Exchange("routing"), routing_key="routing"), Queue("delivery")]},
])
def test_task_routes_to_a_named_queue_are_honoured(make_app, redis_url, redis_client, changes):
    app = make_app(CELERY=celery_config(redis_url, **changes))
    key, sent = assert_same_message(app, redis_client, ROUTE_TASK_NAME, ["evt_1"])
    assert key == "routing" and sent["properties"]["delivery_info"]["routing_key"] == "routing"


def test_global_keyprefix_is_honoured(make_app, redis_url, redis_client):
    options = {"visibility_timeout": 300, "global_keyprefix": "hooks-q:"}
    app = make_app(CELERY=celery_config(redis_url, broker_transport_options=options))
    key, _ = assert_same_message(app, redis_client, ROUTE_TASK_NAME, ["evt_1"])
    assert key == "hooks-q:celery"


def test_the_store_pushes_to_the_routed_queue(make_app, redis_url, redis_client):
    app = make_app(CELERY=celery_config(redis_url, task_routes={"routing.*": {"queue": "routing"}}))
    event = dict(event_id="evt_routed", source="plain", name="received", payload={}, headers={}, received_ts=1.0)
    app.extensions["inbound_store"].store_event(event, "hooks:dedupe:routed")
    assert redis_client.llen("celery") == 0 and redis_client.llen("routing") == 1


@pytest.mark.parametrize("changes, named", [
    ({"task_default_priority": 5}, "priority 5"),
    ({"task_routes": {"routing.*": {"queue": "celery", "priority": 3}}}, "priority 3"),
    ({"task_compression": "gzip"}, "task_compression"),
    ({"task_protocol": 1}, "task_protocol 1"),
    ({"task_send_sent_event": True}, "task_send_sent_event"),
    ({"task_routes": [lambda name, args, kwargs, options, task=None, **kw: {"queue": "celery"}]}, "function"),
    ({"task_queues": [Queue("routing", Exchange("topics", type="topic"), routing_key="route.#")],
      "task_routes": {"routing.*": {"queue": "routing"}}}, "topic exchange"),
    ({"task_queues": [Queue("routing", Exchange("named"), routing_key="routing")],
      "task_routes": {"routing.*": {"queue": "routing", "exchange": "named", "routing_key": "routing"}}},
     "direct exchange"),
])
def test_settings_it_cannot_honour_refuse_the_start(make_app, redis_url, changes, named):
    with pytest.raises(UnsupportedCelerySettings) as caught:
        make_app(CELERY=celery_config(redis_url, **changes))
    assert named in str(caught.value)


def test_publish_signal_receivers_refuse_the_start(make_app):
    def receiver(**kwargs):
        pass

    signals.before_task_publish.connect(receiver)
    try:
        with pytest.raises(UnsupportedCelerySettings, match="before_task_publish"):
            make_app()
    finally:
        signals.before_task_publish.disconnect(receiver)

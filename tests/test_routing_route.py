"""Routing a stored event: deliveries with deterministic ids, created once, queued, status set."""
import uuid

import pytest

from handlers.routing.route import route_event
from handlers.rules import parse_rules
from handlers.store.deliveries import delivery_key, event_delivery_ids, get_delivery, update_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event, set_event_status
from handlers.store.keys import DEAD_LETTERS, key
from handlers.task_names import PROBE_WRITE, ROUTE_EVENT
from tests.helpers import wait_for

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["route-test-token-123"], events: [bookingCreated]}
routes:
  - id: confirmed
    source: foxoms
    events: ["booking*"]
    filter: {status.name: Confirmed}
    actions:
      - id: ticket
        call: test.echo
        args: {url: "https://echo.test/tickets", json: {name: "Booking {{ payload.name }}", id: "{{ payload.id }}"}}
      - id: broken
        call: test.echo
        args: {url: "https://echo.test/x", json: {notes: "{{ payload.notes }}"}}
      - id: copy
        call: test.echo
        args: {url: "https://echo.test/copy", json: {event: "{{ event.id }}", source: "{{ event.source }}"}}
  - id: cancelled
    source: foxoms
    filter: {status.name: Cancelled}
    actions:
      - {id: echo, call: test.echo, args: {url: "https://echo.test/cancel"}}
"""
BOOKING = {"id": 6, "name": "Test Booking", "status": [{"id": 2, "name": "Confirmed"}]}


@pytest.fixture
def rules(echo_action):
    return parse_rules(ROUTES, {})


def store_event(redis_client, payload=BOOKING, name="bookingCreated"):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", name, payload, {}, 1_700_000_000.0))
    return event_id


def ids(event_id, *names):
    return [f"{event_id}:{name}" for name in names]


def test_matching_actions_become_deliveries(redis_client, rules):
    event_id = store_event(redis_client)
    queued = []
    outcome = route_event(redis_client, rules, event_id, queued.append)
    expected = ids(event_id, "confirmed:ticket", "confirmed:broken", "confirmed:copy")
    assert outcome.created == expected and outcome.delivery_ids == expected
    assert event_delivery_ids(redis_client, event_id) == sorted(expected)
    ticket = get_delivery(redis_client, expected[0])
    assert ticket["status"] == "pending" and ticket["call"] == "test.echo" and ticket["vendor"] == "test"
    assert ticket["args"] == {"url": "https://echo.test/tickets", "json": {"name": "Booking Test Booking", "id": 6}}
    copy = get_delivery(redis_client, expected[2])
    assert copy["args"]["json"] == {"event": event_id, "source": "foxoms"}
    assert queued == [expected[0], expected[2]]
    assert get_event(redis_client, event_id)["status"] == "routed"


def test_a_render_error_kills_only_that_delivery(redis_client, rules):
    event_id = store_event(redis_client)
    route_event(redis_client, rules, event_id, lambda _: None)
    broken = get_delivery(redis_client, f"{event_id}:confirmed:broken")
    assert broken["status"] == "dead"
    assert broken["last_error"].startswith("args.json.notes: UndefinedError:") and "notes" in broken["last_error"]
    assert broken["error_class"] == "TemplateRenderError"
    assert redis_client.zscore(DEAD_LETTERS, broken["id"]) is not None
    assert get_delivery(redis_client, f"{event_id}:confirmed:copy")["status"] == "pending"


def test_routing_twice_creates_nothing_twice(redis_client, rules):
    event_id = store_event(redis_client)
    first_queue, second_queue = [], []
    first = route_event(redis_client, rules, event_id, first_queue.append)
    before = {d: get_delivery(redis_client, d) for d in first.delivery_ids}
    second = route_event(redis_client, rules, event_id, second_queue.append)
    assert second.created == [] and second.delivery_ids == first.delivery_ids
    assert {d: get_delivery(redis_client, d) for d in first.delivery_ids} == before
    assert event_delivery_ids(redis_client, event_id) == sorted(first.delivery_ids)
    assert redis_client.zcard(DEAD_LETTERS) == 1
    # still pending (an interrupted first run may not have queued them): queued again
    assert second_queue == first_queue
    assert get_event(redis_client, event_id)["status"] == "routed"


def test_routing_again_leaves_finished_work_alone(redis_client, rules):
    event_id = store_event(redis_client)
    outcome = route_event(redis_client, rules, event_id, lambda _: None)
    for delivery_id in outcome.delivery_ids:
        update_delivery(redis_client, delivery_id, status="succeeded")
    set_event_status(redis_client, event_id, "completed")
    queued = []
    again = route_event(redis_client, rules, event_id, queued.append)
    assert again.created == [] and queued == []
    assert get_event(redis_client, event_id)["status"] == "completed"


def test_no_match_is_ignored(redis_client, rules):
    event_id = store_event(redis_client, {"id": 7, "status": [{"name": "Tentative"}]})
    queued = []
    outcome = route_event(redis_client, rules, event_id, queued.append)
    assert outcome.status == "ignored" and outcome.delivery_ids == [] and queued == []
    assert event_delivery_ids(redis_client, event_id) == []
    assert get_event(redis_client, event_id)["status"] == "ignored"


def test_other_event_name_is_ignored(redis_client, rules):
    event_id = store_event(redis_client, name="contactCreated")
    assert route_event(redis_client, rules, event_id, lambda _: None).status == "ignored"


def test_a_route_added_later_routes_an_ignored_event(redis_client, rules, echo_action):
    event_id = store_event(redis_client, {"id": 7, "status": [{"name": "Cancelled"}, {"name": "Tentative"}]})
    narrow = parse_rules(ROUTES.replace("{status.name: Cancelled}", "{status.0.name: Tentative}"), {})
    assert route_event(redis_client, narrow, event_id, lambda _: None).status == "ignored"
    outcome = route_event(redis_client, rules, event_id, lambda _: None)
    assert outcome.created == [f"{event_id}:cancelled:echo"]
    assert get_event(redis_client, event_id)["status"] == "routed"


def test_unknown_event_is_none(redis_client, rules):
    assert route_event(redis_client, rules, "evt_nope", lambda _: None) is None
    assert redis_client.keys(key("delivery", "*")) == []


class TestTheCeleryTask:
    """The task through a real broker and worker: send it twice, same deliveries."""

    @pytest.fixture
    def app(self, make_app, echo_action):
        return make_app(ROUTES)

    def test_route_event_task_twice(self, app, redis_client, celery_worker):
        celery_app = app.extensions["celery"]
        event_id = store_event(redis_client)
        expected = sorted(ids(event_id, "confirmed:ticket", "confirmed:broken", "confirmed:copy"))

        celery_app.send_task(ROUTE_EVENT, args=[event_id])
        wait_for(lambda: event_delivery_ids(redis_client, event_id) == expected, message="deliveries")
        created = {d: get_delivery(redis_client, d)["created_at"] for d in expected}
        wait_for(lambda: get_event(redis_client, event_id)["status"] not in ("received", "ignored"), message="status")

        broken = f"{event_id}:confirmed:broken"  # dead: no delivery engine touches it
        redis_client.hset(delivery_key(broken), "marker", "first-run")
        celery_app.send_task(ROUTE_EVENT, args=[event_id])
        barrier = uuid.uuid4().hex  # the solo worker runs tasks in order: this one runs after
        celery_app.send_task(PROBE_WRITE, args=[barrier, "done"])
        wait_for(lambda: redis_client.get(key("probe", barrier)) == "done", message="second run")

        assert event_delivery_ids(redis_client, event_id) == expected
        assert {d: get_delivery(redis_client, d)["created_at"] for d in expected} == created
        assert get_delivery(redis_client, broken)["status"] == "dead"
        assert redis_client.hget(delivery_key(broken), "marker") == "first-run"  # not created again
        assert redis_client.zcard(DEAD_LETTERS) == 1


def test_only_dead_deliveries_fail_the_event(redis_client, rules, echo_action):
    only_broken = ROUTES.replace('json: {name: "Booking {{ payload.name }}", id: "{{ payload.id }}"}',
                                 'json: {name: "{{ payload.missing }}"}')
    only_broken = only_broken.replace('json: {event: "{{ event.id }}", source: "{{ event.source }}"}',
                                      'json: {event: "{{ payload.missing_too }}"}')
    event_id = store_event(redis_client)
    queued = []
    outcome = route_event(redis_client, parse_rules(only_broken, {}), event_id, queued.append)
    assert len(outcome.created) == 3 and queued == []
    assert {get_delivery(redis_client, d)["status"] for d in outcome.created} == {"dead"}
    assert get_event(redis_client, event_id)["status"] == "failed"


def test_a_dead_at_rendering_delivery_stores_no_templates(redis_client, rules):
    event_id = store_event(redis_client)
    route_event(redis_client, rules, event_id, lambda _: None)
    assert get_delivery(redis_client, f"{event_id}:confirmed:broken")["args"] == {}


def test_rerender_after_the_template_is_fixed(redis_client, rules, echo_action):
    from handlers.routing.route import rerender_delivery

    event_id = store_event(redis_client)
    route_event(redis_client, rules, event_id, lambda _: None)
    broken = f"{event_id}:confirmed:broken"
    assert "UndefinedError" in rerender_delivery(redis_client, rules, broken)  # still broken
    fixed = parse_rules(ROUTES.replace("{{ payload.notes }}", "{{ payload.notes | default('none') }}"), {})
    assert rerender_delivery(redis_client, fixed, broken) is None
    delivery = get_delivery(redis_client, broken)
    assert delivery["args"] == {"url": "https://echo.test/x", "json": {"notes": "none"}}
    assert delivery["error_class"] == "" and delivery["last_error"] == ""
    assert rerender_delivery(redis_client, fixed, f"{event_id}:confirmed:ticket") is None  # nothing to do
    assert get_delivery(redis_client, f"{event_id}:confirmed:ticket")["args"]["json"]["id"] == 6

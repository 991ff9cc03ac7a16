"""Route one stored event: match routes, render each action's args, create deliveries.

Delivery ids are `<event>:<route>:<action>`, so routing an event again creates nothing
twice. Order matters for safety:
1. every delivery record is created (pending; or dead with the error when its args do
   not render: one action's error does not stop the others). A dead-at-rendering delivery
   is stored with empty args and error_class TemplateRenderError, so replaying it as is can
   never send raw templates to a vendor; `rerender_delivery` renders it again first;
2. the event status is set (`routed`, or `ignored` when nothing matched) and rolled up
   (all deliveries dead at routing time -> `failed`), before any delivery is queued, so a
   fast delivery's roll-up is never overwritten;
3. each delivery that is new, or still pending from an earlier interrupted run, is queued.
"""
import logging
from dataclasses import dataclass, field

from handlers.alerts.signals import delivery_died
from handlers.delivery.rollup import rollup_event
from handlers.redact import rules_secrets, scrub_text
from handlers.routing.entity import entity_of
from handlers.routing.match import match_routes
from handlers.routing.templates import TemplateRenderError, render_args
from handlers.store.codec import now
from handlers.store.deliveries import (
    create_delivery, delivery_record, event_delivery_ids, get_delivery, update_delivery,
)
from handlers.store.entities import index_entity
from handlers.store.events import get_event, set_event_status
from handlers.store.keys import DEAD_LETTERS

log = logging.getLogger(__name__)
RENDER_ERROR_CLASS = "TemplateRenderError"


@dataclass
class PlannedDelivery:
    route_id: str
    action_id: str
    call: str
    args: dict
    error: str = ""  # the render error; the delivery is created dead with it


@dataclass
class RoutingOutcome:
    event_id: str
    status: str                                   # the event status after routing
    delivery_ids: list = field(default_factory=list)  # every delivery this event's routes call for
    created: list = field(default_factory=list)   # the ids created by this run
    queued: list = field(default_factory=list)    # the ids queued by this run


def template_context(event):
    """What templates see: `payload`, and `event` with id, source, name and received_at."""
    view = {name: event.get(name, "") for name in ("id", "source", "name", "received_at")}
    return {"payload": event.get("payload", {}), "event": view}


def plan_deliveries(rules, event, max_bytes=None):
    """A PlannedDelivery for each action of each matching route, in file order.

    `max_bytes` (MAX_BODY_BYTES) caps each rendered arg; any render error of an action
    (a Jinja error, a sandbox refusal, RecursionError, KeyError...) makes it dead."""
    context = template_context(event)
    secrets = rules_secrets(rules)  # a render error may quote a ${VAR} value
    planned = []
    for route in match_routes(rules.routes, event["source"], event["name"], event["payload"]):
        for action in route["actions"]:
            try:
                args, error = render_args(action["args"], context, max_bytes), ""
            except TemplateRenderError as exc:
                args, error = {}, scrub_text(exc, secrets)
            planned.append(PlannedDelivery(route["id"], action["id"], action["call"], args, error))
    return planned


def route_event(redis_client, rules, event_id, enqueue, max_bytes=None):
    """Route a stored event; `enqueue(delivery_id)` queues one delivery. None if no such event."""
    event = get_event(redis_client, event_id)
    if event is None:
        log.warning("routing: no event %s (expired or never stored)", event_id)
        return None
    index_record_id(redis_client, rules, event)
    planned = plan_deliveries(rules, event, max_bytes)
    outcome = RoutingOutcome(event_id, event["status"])
    for item in planned:
        status = "dead" if item.error else "pending"
        record = delivery_record(event_id, item.route_id, item.action_id, item.call, item.args, status, item.error)
        if item.error:
            record["error_class"] = RENDER_ERROR_CLASS
        outcome.delivery_ids.append(record["id"])
        if create_delivery(redis_client, record):
            outcome.created.append(record["id"])
            if item.error:
                redis_client.zadd(DEAD_LETTERS, {record["id"]: now()})
                log.warning("routing: delivery %s is dead: %s", record["id"], item.error)
                delivery_died(redis_client, rules, record, RENDER_ERROR_CLASS)
    # Queued (leased, by the routing task) before the event leaves `received`: a worker killed
    # in between leaves an event the sweeper routes again, never a pending delivery nobody holds.
    for delivery_id in outcome.delivery_ids:
        delivery = get_delivery(redis_client, delivery_id)
        if delivery is not None and delivery["status"] == "pending":
            enqueue(delivery_id)
            outcome.queued.append(delivery_id)
    outcome.status = _new_status(event["status"], outcome, event_delivery_ids(redis_client, event_id))
    if outcome.status != event["status"]:
        set_event_status(redis_client, event_id, outcome.status)
    if outcome.status != "ignored":
        outcome.status = rollup_event(redis_client, event_id)
    return outcome


def index_record_id(redis_client, rules, event):
    """Add the event to the record-id index (`booking:933894`), once."""
    source_type = (rules.source(event["source"]) or {}).get("type")
    entity = entity_of(source_type, event["source"], event["name"], event["payload"])
    if entity is None or event.get("entity") == entity:
        return
    pipe = redis_client.pipeline(transaction=True)
    index_entity(pipe, entity, event["id"], event["received_ts"])
    pipe.execute()


def _new_status(current, outcome, all_delivery_ids):
    if not all_delivery_ids:
        return "ignored"
    if outcome.created or current in ("received", "ignored"):
        return "routed"
    return current  # already routed (or rolled up by the delivery engine): leave it


def rerender_delivery(redis_client, rules, delivery_id, max_bytes=None):
    """Render a dead-at-rendering delivery's args again (current rules, stored event).

    For replay: returns None when the delivery is ready to be queued (its args are stored,
    its error cleared, or it never failed rendering), else the reason it still is not.
    """
    delivery = get_delivery(redis_client, delivery_id)
    if delivery is None or delivery.get("error_class") != RENDER_ERROR_CLASS:
        return None
    event = get_event(redis_client, delivery["event_id"])
    route = next((r for r in rules.routes if r["id"] == delivery["route_id"]), None)
    action = next((a for a in (route or {}).get("actions", ()) if a["id"] == delivery["action_id"]), None)
    if event is None or action is None:
        return "its event, route or action no longer exists"
    try:
        args = render_args(action["args"], template_context(event), max_bytes)
    except TemplateRenderError as exc:
        error = scrub_text(exc, rules_secrets(rules))
        update_delivery(redis_client, delivery_id, last_error=error)
        return error
    update_delivery(redis_client, delivery_id, args=args, call=action["call"], error_class="", last_error="")
    return None

"""The exact shapes of the ids the admin API and CLI accept, checked before any Redis call.

An id is put into a key (`hooks:event:<id>`), so an id such as `evt_…:deliveries` would
address a key of another type; anything that is not an id we make is simply not found.
Event ids come from handlers.store.events.new_event_id (`evt_` + 24 hex digits); delivery
ids from handlers.store.deliveries.delivery_id: `<event id>:<route id>:<action id>`, the
route and action ids having the shape routes.yaml allows (schemas.rules.ID_PATTERN).
"""
import re

from handlers.admin.errors import NotFound
from schemas.rules import ID_PATTERN

EVENT_ID = re.compile(r"evt_[0-9a-f]{24}")
_RULE_ID = ID_PATTERN.removeprefix("^").removesuffix("$")
DELIVERY_ID = re.compile(rf"(?P<event_id>{EVENT_ID.pattern}):{_RULE_ID}:{_RULE_ID}")


def is_event_id(text):
    return isinstance(text, str) and EVENT_ID.fullmatch(text) is not None


def is_delivery_id(text):
    return isinstance(text, str) and DELIVERY_ID.fullmatch(text) is not None


def require_event_id(event_id):
    """NotFound (404) unless `event_id` has the shape of an event id."""
    if not is_event_id(event_id):
        raise NotFound(f"no event {event_id!r}")


def require_replay_ids(event_id, delivery_id=None):
    """NotFound (404) unless the event id, and the delivery id if given, are ids of ours and
    the delivery belongs to the event (its id starts with the event's)."""
    require_event_id(event_id)
    if delivery_id is None:
        return
    match = DELIVERY_ID.fullmatch(delivery_id)
    if match is None or match["event_id"] != event_id:
        raise NotFound(f"event {event_id!r} has no delivery {delivery_id!r}")

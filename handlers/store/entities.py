"""The record-id index: which events carried a given record, newest first.

hooks:events:entity:<entity>  sorted set: event id -> received_ts

An entity is a record id such as `booking:933894` (see handlers/routing/entity.py for how
one is read from an event). The event hash keeps it in its `entity` field, so retention
can take the event out of the index when it deletes the event.
"""
from handlers.store.events import event_key
from handlers.store.keys import key


def entity_key(entity):
    return key("events", "entity", entity)


def index_entity(pipe, entity, event_id, received_ts):
    """Queue adding the event to its entity's index (and noting the entity on the event)."""
    pipe.zadd(entity_key(entity), {event_id: float(received_ts)})
    pipe.hset(event_key(event_id), "entity", entity)

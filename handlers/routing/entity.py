"""The record id an event is about, for the record-id search (`booking:933894`).

FoxOMS: the family of the event name, as the inbound schemas read it (schemas.foxoms.family_of:
bookingCreated -> booking, workOrderUpdated -> workorder; an unknown family is the
lower-case word the name starts with) and the record's `id`. Incoming sources: `<source>:<id>` when
the payload has a top-level `id`. Anything else has no entity (None).
"""
import re

from schemas.foxoms import family_of

FAMILY = re.compile(r"[a-z]+")
MAX_ID_LENGTH = 200


def entity_of(source_type, source, event_name, payload):
    record_id = payload.get("id") if isinstance(payload, dict) else None
    if isinstance(record_id, bool) or not isinstance(record_id, (int, str)) or record_id == "":
        return None
    record_id = str(record_id)
    if len(record_id) > MAX_ID_LENGTH:
        return None
    if source_type == "foxoms":
        family = family_of(event_name or "")
        if family is None:
            word = FAMILY.match(event_name or "")
            family = word.group(0) if word else None
        return f"{family}:{record_id}" if family else None
    return f"{source}:{record_id}"


def normalise_entity(text):
    """What an operator typed ("booking 933894", " booking:933894 ") as an entity."""
    text = " ".join(str(text).split())
    return text.replace(" ", ":", 1) if ":" not in text else text.replace(" ", "")

"""Read-only views of stored events and dead letters, shaped for the admin API and CLI.

`secrets` (handlers.redact.known_secrets) are hidden wherever they appear: a delivery's
args hold the rendered ${VAR} values, and its errors and excerpts may quote them.
"""
from handlers.admin.cursor import MAX_SCANNED, page
from handlers.admin.errors import NotFound
from handlers.admin.event_filter import matches
from handlers.admin.ids import require_event_id
from handlers.inbound.headers import safe_headers
from handlers.redact import scrub
from handlers.store.codec import iso
from handlers.store.deliveries import DELIVERY_STATUSES, delivery_key, get_attempts, get_delivery
from handlers.store.entities import entity_key
from handlers.store.events import EVENTS_INDEX, deliveries_key, event_key, get_event
from handlers.store.keys import DEAD_LETTERS

SUMMARY_FIELDS = ("id", "source", "name", "received_at", "status")
DEAD_LETTER_FIELDS = ("id", "event_id", "route_id", "action_id", "call", "vendor",
                      "attempts", "last_status", "last_error", "error_class")


def _hashes(redis_client, keys, names):
    pipe = redis_client.pipeline(transaction=False)
    for name in keys:
        pipe.hmget(name, names)
    return [dict(zip(names, values)) if values[0] is not None else None for values in pipe.execute()]


def list_events(redis_client, limit, cursor=None, status=None, source=None, event=None,
                entity=None, since=None, until=None, max_scanned=MAX_SCANNED):
    """{"events": [summary, ...], "next_cursor"}: newest first; filters are exact matches.

    `entity` (a record id, e.g. booking:933894) walks that record's index instead of every
    event; `since`/`until` (epoch seconds, inclusive) bound the walk by received time."""
    wanted = {name: value for name, value in (("status", status), ("source", source), ("name", event)) if value}

    def load(rows):
        keys = [event_key(member) for member, _ in rows]
        if not wanted:
            return _hashes(redis_client, keys, SUMMARY_FIELDS)
        return [{"id": member} if hit else None for (member, _), hit in zip(rows, matches(redis_client, keys, wanted))]

    def keep(record):
        return True  # a filtered load keeps only the matches

    index = entity_key(entity) if entity else EVENTS_INDEX
    events, next_cursor = page(redis_client, index, load, keep, limit, cursor, max_scanned, since, until)
    if wanted:  # the summaries of the matches only
        events = [e for e in _hashes(redis_client, [event_key(e["id"]) for e in events], SUMMARY_FIELDS) if e]
    for summary, counts in zip(events, delivery_counts(redis_client, [e["id"] for e in events])):
        summary["next_attempt_at"] = counts.pop("next_attempt_at")
        summary["deliveries"] = counts
    return {"events": events, "next_cursor": next_cursor}


def delivery_counts(redis_client, event_ids):
    """For each event, {"total": n, "<delivery status>": n, ..., "next_attempt_at"}: the
    soonest next attempt of its retrying deliveries (ISO 8601), or None."""
    pipe = redis_client.pipeline(transaction=False)
    for event_id in event_ids:
        pipe.smembers(deliveries_key(event_id))
    id_sets = [sorted(ids) for ids in pipe.execute()]
    for delivery_ids in id_sets:
        for delivery_id in delivery_ids:
            pipe.hmget(delivery_key(delivery_id), ("status", "next_attempt_at"))
    rows = iter(pipe.execute())
    answer = []
    for delivery_ids in id_sets:
        counts = dict.fromkeys(("total",) + DELIVERY_STATUSES, 0)
        due = []
        for _ in delivery_ids:
            status, next_attempt_at = next(rows)
            counts["total"] += 1
            if status in counts:
                counts[status] += 1
            if status == "retrying" and next_attempt_at:
                due.append(next_attempt_at)
        counts["next_attempt_at"] = min(due) if due else None  # ISO 8601 UTC strings sort as times
        answer.append(counts)
    return answer


def event_detail(redis_client, event_id, *, secrets):
    """The event with its payload, safe headers and every delivery with every attempt."""
    require_event_id(event_id)
    event = get_event(redis_client, event_id)
    if event is None:
        raise NotFound(f"no event {event_id!r}")
    deliveries = []
    for delivery_id in sorted(redis_client.smembers(deliveries_key(event_id))):
        delivery = get_delivery(redis_client, delivery_id)
        if delivery is not None:
            deliveries.append(delivery_view(delivery, get_attempts(redis_client, delivery_id), secrets))
    return {
        "id": event["id"],
        "source": event.get("source"),
        "name": event.get("name"),
        "received_at": event.get("received_at"),
        "updated_at": event.get("updated_at"),
        "status": event.get("status"),
        "payload": scrub(event["payload"], secrets, by_key=False),
        "headers": scrub(safe_headers(event["headers"]), secrets),
        "deliveries": deliveries,
    }


def delivery_view(delivery, attempts, secrets=()):
    return scrub({
        "id": delivery["id"],
        "route_id": delivery.get("route_id"),
        "action_id": delivery.get("action_id"),
        "call": delivery.get("call"),
        "vendor": delivery.get("vendor"),
        "status": delivery.get("status"),
        "attempt_count": delivery["attempts"],
        "next_attempt_at": delivery.get("next_attempt_at") or None,
        "last_status": delivery.get("last_status") or None,
        "last_error": delivery.get("last_error") or None,
        "error_class": delivery.get("error_class") or None,
        "record_failures": delivery.get("record_failures"),
        "args": delivery.get("args"),
        "state": delivery.get("state"),
        "created_at": delivery.get("created_at"),
        "updated_at": delivery.get("updated_at"),
        "attempts": attempts,
    }, secrets)


def list_dead_letters(redis_client, limit, cursor=None, route=None, vendor=None,
                      max_scanned=MAX_SCANNED, *, secrets):
    """{"dead_letters": [...], "next_cursor"}: the most recently dead first."""

    def load(rows):
        records = _hashes(redis_client, [delivery_key(member) for member, _ in rows], DEAD_LETTER_FIELDS)
        return [dead_letter_view(record, score, secrets) if record else None for record, (_, score) in zip(records, rows)]

    def keep(letter):
        return (route is None or letter["route"] == route) and (vendor is None or letter["vendor"] == vendor)

    letters, next_cursor = page(redis_client, DEAD_LETTERS, load, keep, limit, cursor, max_scanned)
    return {"dead_letters": letters, "next_cursor": next_cursor}


def dead_letter_view(record, died_ts, secrets=()):
    return scrub({
        "delivery_id": record["id"],
        "event_id": record["event_id"],
        "route": record["route_id"],
        "action": record["action_id"],
        "call": record["call"],
        "vendor": record["vendor"],
        "attempts": int(record["attempts"] or 0),
        "last_status": record["last_status"] or None,
        "last_error": record["last_error"] or None,
        "error_class": record["error_class"] or None,
        "died_at": iso(died_ts),
    }, secrets)

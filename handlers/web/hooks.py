"""POST /hooks/foxoms/<event_name> and POST /hooks/incoming/<hook_name>: thin views
over handlers.inbound.receive (verify, validate, store + enqueue, answer 202)."""
import json
import re
from functools import lru_cache

from flask import Blueprint, current_app, request
from werkzeug.exceptions import NotFound

from handlers.errors import ServiceError
from handlers.inbound.enqueue import queue_name
from handlers.inbound.receive import Inbound, receive
from handlers.inbound.sources import FOXOMS, INCOMING
from handlers.metrics import HOOKS_ACCEPTED, HOOKS_DUPLICATES, HOOKS_RECEIVED, HOOKS_REJECTED
from handlers.store.codec import now

blueprint = Blueprint("hooks", __name__)
READ_CHUNK_BYTES = 65536
FOXOMS_EVENT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")  # docs/inbound.md "Endpoints"


@blueprint.post("/hooks/foxoms/<event_name>")
def foxoms_hook(event_name):
    if FOXOMS_EVENT_NAME.fullmatch(event_name) is None:
        raise NotFound("no FoxOMS event by that name: letters, digits, _ . - and at most 100 characters")
    return _receive(FOXOMS, event_name)


@blueprint.post("/hooks/incoming/<hook_name>")
def incoming_hook(hook_name):
    return _receive(INCOMING, hook_name)


def read_stream(stream, limit):
    """At most `limit` bytes from a WSGI input stream, chunked bodies included."""
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _receive(kind, name):
    app = current_app._get_current_object()
    req = request._get_current_object()  # one proxy lookup, not one per attribute
    celery_app = app.extensions["celery"]
    headers = req.headers
    inbound = Inbound(
        kind=kind,
        name=name,
        headers=headers,
        query_token=req.args.get("token", ""),
        content_type=headers.get("Content-Type", ""),
        content_length=req.content_length,
        read_body=lambda limit: read_stream(req.stream, limit),
        received_ts=now(),
    )
    try:
        source, accepted, batch = receive(
            app.extensions.get("rules"),
            app.extensions.get("rules_error"),
            inbound,
            app.extensions["redis"],
            celery_app,
            queue_name(celery_app),
            int(app.config["MAX_BODY_BYTES"]),
        )
    except ServiceError as exc:
        counter(HOOKS_RECEIVED, _source_label(kind, name)).inc()
        counter(HOOKS_REJECTED, str(exc.status)).inc()
        raise
    counter(HOOKS_RECEIVED, source).inc()
    for _, duplicate in accepted:
        counter(HOOKS_DUPLICATES if duplicate else HOOKS_ACCEPTED, source).inc()
    return app.response_class(answer_body(accepted, batch), status=202, mimetype="application/json")


def answer_body(accepted, batch):
    """{"event_id", "duplicate"} for one event; {"events": [...]} for a batch."""
    if batch:
        events = [{"event_id": event_id, "duplicate": duplicate} for event_id, duplicate in accepted]
        return json.dumps({"events": events}) + "\n"
    ((event_id, duplicate),) = accepted
    # what jsonify(event_id=..., duplicate=...) answers, without its per-call machinery
    return f'{{"event_id":{json.dumps(event_id)},"duplicate":{"true" if duplicate else "false"}}}\n'


@lru_cache(maxsize=1024)
def counter(metric, label):
    """The child of a one-label counter (labels() takes a lock and builds a key per call).
    Labels are bounded (source names, status codes), so the cache is too."""
    return metric.labels(label)


def _source_label(kind, name):
    """A bounded label: a configured source's name, else "unknown"."""
    rules = current_app.extensions.get("rules")
    if kind == FOXOMS:
        return FOXOMS
    return name if rules is not None and name in rules.sources else "unknown"


def init_app(app):
    app.register_blueprint(blueprint)

"""Every call a sandbox server answered, kept in Redis so the admin API and CLI can show it.

One list per vendor, newest first, at most MAX_CALLS_PER_VENDOR entries. A call keeps its
method, path, query, status, the headers that are not credentials and the JSON body (or a
text excerpt): the sandbox credential and `access_token` never leave the server.
"""
import json
import logging

import redis

from handlers.redact import is_secret_name
from handlers.store.keys import key

MAX_CALLS_PER_VENDOR = 1000
BODY_EXCERPT_BYTES = 2048
log = logging.getLogger(__name__)


def calls_key(vendor):
    return key("sandbox", "calls", vendor)


def call_view(record):
    """A RecordedRequest as a JSON-ready dict without credentials."""
    view = {
        "at": round(record.arrived, 3),
        "method": record.method,
        "path": record.path,
        "query": {name: value for name, value in record.query.items() if not is_secret_name(name)},
        "status": record.answered,
        "headers": {name: value for name, value in record.headers.items() if not is_secret_name(name)},
    }
    if record.json is not None:
        view["json"] = record.json
    elif record.body:
        view["body"] = record.body[:BODY_EXCERPT_BYTES].decode("utf-8", "replace")
    return view


class CallRecorder:
    """`recorder(vendor, record)` for a sandbox server: writes the call to Redis."""

    def __init__(self, client):
        self.client = client

    def __call__(self, vendor, record):
        name = calls_key(vendor)
        try:
            with self.client.pipeline() as pipe:
                pipe.lpush(name, json.dumps(call_view(record)))
                pipe.ltrim(name, 0, MAX_CALLS_PER_VENDOR - 1)
                pipe.execute()
        except (redis.RedisError, OSError) as exc:  # the vendor answered anyway; only the record is lost
            log.warning("sandbox %s: call not recorded (%s)", vendor, type(exc).__name__)


def recent_calls(client, vendors, limit=50):
    """The newest `limit` calls to `vendors`, newest first, each with its `vendor`."""
    calls = []
    for vendor in vendors:
        for raw in client.lrange(calls_key(vendor), 0, limit - 1):
            calls.append({"vendor": vendor, **json.loads(raw)})
    calls.sort(key=lambda call: call["at"], reverse=True)
    return calls[:limit]

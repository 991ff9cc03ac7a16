"""Time and JSON helpers for records kept in Redis hashes."""
import json
import time
from datetime import datetime, timezone


def now():
    """Seconds since the epoch (float); the one clock records use."""
    return time.time()


def iso(timestamp):
    """An epoch timestamp as ISO 8601 UTC with milliseconds, e.g. 2026-11-23T09:30:00.123Z."""
    moment = datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text, default=None):
    if text in (None, ""):
        return default
    return json.loads(text)

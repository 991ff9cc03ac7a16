"""The circuit breaker of each vendor and each `http.post` host (docs/operations.md
"Pause and circuit breaker").

hooks:breaker:<name>     hash: failures (consecutive retryable failures), open_until
                         (epoch s; absent: closed), open_seconds (the current open period),
                         probe / probe_until (the one delivery let through after the period)
hooks:lane:breaker:<name>  deliveries waiting while it is open (handlers.delivery.parking)

<name> is the vendor, or `http:<host>[:<port>]` for http.post. After BREAKER_FAILURES consecutive
retryable failures it opens for BREAKER_OPEN_SECONDS; deliveries that come meanwhile are
parked in its lane (status unchanged: pending or retrying; no attempt spent), woken at
the period's end, when the dispatcher releases one head: the probe. A probe that fails
doubles the period (at most MAX_OPEN_SECONDS); any answer that is not a retryable
failure closes the breaker and releases the whole lane, head first, under the rate limit.
"""
import time
from urllib.parse import urlsplit

from handlers.delivery import parking
from handlers.store import scripts
from handlers.store.keys import key

MAX_OPEN_SECONDS = 900.0


def breaker_name(delivery):
    """The breaker a delivery goes through: its vendor, or its http.post URL's host."""
    if delivery["vendor"] != "http":
        return delivery["vendor"]
    parts = urlsplit(str((delivery.get("args") or {}).get("url") or ""))
    try:
        port = parts.port
    except ValueError:  # the action refuses such a URL; its breaker is the host's
        port = None
    return f"http:{parts.hostname or ''}" + (f":{port}" if port else "")


def breaker_key(name):
    return key("breaker", name)


def breaker_lane(name):
    return f"breaker:{name}"


def lane_breaker(lane):
    return lane.split(":", 1)[1] if lane.startswith("breaker:") else None


def failures_to_open(config):
    return int(config["BREAKER_FAILURES"])


# KEYS: breaker. ARGV: now, delivery id, probe hold (s). Returns {verdict, wake}: 'go'
# (closed), 'probe' (open period over: this delivery is the one probe), 'wait' (park until wake).
_CHECK = """
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if open_until == 0 then return {'go', '0'} end
local now = tonumber(ARGV[1])
if now < open_until then return {'wait', tostring(open_until)} end
local probe = redis.call('HGET', KEYS[1], 'probe')
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
if probe and probe ~= '' and probe ~= ARGV[2] and now < probe_until then return {'wait', tostring(probe_until)} end
redis.call('HSET', KEYS[1], 'probe', ARGV[2], 'probe_until', tostring(now + tonumber(ARGV[3])))
return {'probe', '0'}
"""

# KEYS: breaker. ARGV: now, delivery id, failed (1/0), failures to open, first open
# period, longest open period. Returns {change, open_until}: change 'opened', 'reopened',
# 'closed' or ''.
_RECORD = """
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if ARGV[3] == '0' then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {'', '0'} end
  redis.call('DEL', KEYS[1])
  if open_until > 0 then return {'closed', '0'} end
  return {'', '0'}
end
local now = tonumber(ARGV[1])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if open_until > 0 then
  if redis.call('HGET', KEYS[1], 'probe') ~= ARGV[2] then return {'', tostring(open_until)} end
  local period = math.min(tonumber(redis.call('HGET', KEYS[1], 'open_seconds')) * 2, tonumber(ARGV[6]))
  open_until = now + period
  redis.call('HSET', KEYS[1], 'open_seconds', tostring(period), 'open_until', tostring(open_until), 'probe', '', 'probe_until', '0')
  return {'reopened', tostring(open_until)}
end
if failures >= tonumber(ARGV[4]) then
  open_until = now + tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'open_seconds', ARGV[5], 'open_until', tostring(open_until), 'probe', '', 'probe_until', '0')
  return {'opened', tostring(open_until)}
end
return {'', '0'}
"""


def check(redis_client, name, delivery_id, probe_hold, now=time.time):
    """('go' | 'probe' | 'wait', wake time) for a delivery about to make an attempt."""
    verdict, wake = scripts.run(redis_client, _CHECK, [breaker_key(name)], [repr(now()), delivery_id, repr(probe_hold)])
    return verdict, float(wake)


def record(redis_client, config, name, delivery_id, failed, now=time.time):
    """Count an attempt's outcome; returns 'opened', 'reopened', 'closed' or ''. An
    opened or reopened breaker's lane is set to wake when the period ends."""
    args = [repr(now()), delivery_id, "1" if failed else "0", failures_to_open(config),
            repr(float(config["BREAKER_OPEN_SECONDS"])), repr(MAX_OPEN_SECONDS)]
    change, open_until = scripts.run(redis_client, _RECORD, [breaker_key(name)], args)
    if change in ("opened", "reopened"):
        parking.set_wake(redis_client, breaker_lane(name), float(open_until))
    return change


def state(redis_client, name, now=time.time):
    """{state: closed | open | probing, failures, open_until, open_seconds, waiting}."""
    fields = redis_client.hgetall(breaker_key(name))
    open_until = float(fields.get("open_until") or 0)
    if not open_until:
        current = "closed"
    elif now() < open_until:
        current = "open"
    else:
        current = "probing"
    return {"state": current, "failures": int(fields.get("failures") or 0),
            "open_until": open_until or None, "open_seconds": float(fields.get("open_seconds") or 0) or None,
            "waiting": redis_client.zcard(parking.lane_key(breaker_lane(name)))}


def names(redis_client):
    """Every breaker with a record (closed ones with failures counted, open ones)."""
    prefix = breaker_key("")
    return sorted(name[len(prefix):] for name in redis_client.scan_iter(match=prefix + "*", count=500))

"""Signals, and `emit`, which folds one signal into each alert listening to it.

Where signals come from:
- dead_letter: a delivery died (the delivery engine's `attempt_settled`, routing's
  dead-at-rendering deliveries: `delivery_died`);
- vendor_failing: at least VENDOR_FAILING_FAILURES of a vendor's last
  VENDOR_FAILING_WINDOW attempts failed (`attempt_settled`); raised once, and again
  only after the vendor fell back under the threshold;
- backlog: the oldest waiting retry of a vendor (alerts' own excepted) is more than
  BACKLOG_AGE_SECONDS overdue (`check_backlog`, run by the tick task); raised once per
  episode, like vendor_failing;
- breaker_open / breaker_closed: the circuit breaker calls `emit` itself.

Throttle (README "Alerts"): a signal opens a window per (alert, signal, subject), the
subject being the vendor (else the route); the window closes `throttle` seconds later,
and every signal of that key until then is counted in it. When it closes, the tick
task (tasks/alerts.py, handlers/alerts/send.py) sends ONE alert with the count, the
first and the last time. Without a throttle the window closes at once (the next tick
sends it). Three dead letters inside one window are one alert with count 3.

An alert's own deliveries (field `alert`) never raise signals. Only Redis is touched here.
"""
import logging
import time

from handlers.alerts.throttle import throttle_seconds
from handlers.delivery.leases import RETRIES
from handlers.store import scripts
from handlers.store.deliveries import delivery_key
from handlers.store.events import new_event_id
from handlers.store.keys import key
from schemas.rules import ALERT_SIGNALS

log = logging.getLogger(__name__)

BACKLOG_AGE_SECONDS = 600           # a retry this long overdue is a backlog
BACKLOG_SCAN_LIMIT = 500            # overdue retries read per check
VENDOR_FAILING_WINDOW = 20          # attempts remembered per vendor
VENDOR_FAILING_FAILURES = 10        # failures among them that make the vendor "failing"
WINDOW_TTL_SECONDS = 24 * 3600      # hygiene: a window is sent long before (beyond its throttle)

WINDOWS_DUE = key("alerts", "due")  # sorted set: window member -> the time it closes
RAISED = key("alerts", "raised")    # hash: "<signal>:<vendor>" -> time raised (until it clears)

# KEYS: window hash, due set. ARGV: member, closes at, now, ttl, the alert's event id,
# then the fields kept from the window's first signal (name, value, ...). Returns the
# window's count. The alert's event id is drawn when the window opens, so sending the
# alert again after a crash stores nothing twice (handlers/alerts/send.py).
_FOLD = """
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
if count == 1 then
  redis.call('HSET', KEYS[1], 'first_at', ARGV[3], 'alert_event_id', ARGV[5], unpack(ARGV, 6))
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
redis.call('HSET', KEYS[1], 'last_at', ARGV[3])
return count
"""

# KEYS: outcomes list, raised hash. ARGV: "1" failed or "0", window, threshold, raised
# field, now. Returns the failures counted when the vendor just became failing, else 0.
_OUTCOME = """
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local failed = 0
for _, outcome in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if outcome == '1' then failed = failed + 1 end
end
if failed < tonumber(ARGV[3]) then
  redis.call('HDEL', KEYS[2], ARGV[4])
  return 0
end
if redis.call('HSETNX', KEYS[2], ARGV[4], ARGV[5]) == 1 then return failed end
return 0
"""


def window_member(alert_id, signal, vendor=None, route=None):
    subject = f"vendor={vendor}" if vendor else f"route={route}" if route else "all"
    return f"{alert_id}:{signal}:{subject}"


def window_key(member):
    return key("alerts", "window", member)


def outcomes_key(vendor):
    return key("alerts", "outcomes", vendor)


def listeners(rules, signal, vendor=None, route=None):
    """The alerts that listen to `signal` about this vendor and route (their filters pass)."""
    for alert in getattr(rules, "alerts", None) or ():
        if signal not in alert["on"]:
            continue
        if "vendors" in alert and vendor not in alert["vendors"]:
            continue
        if "routes" in alert and route not in alert["routes"]:
            continue
        yield alert


def emit(redis_client, rules, signal, vendor=None, route=None, now=None, **details):
    """Fold one signal into each alert listening; returns those alerts' ids.

    `details` (str values: event_id, delivery_id, error, failures...) are kept from the
    window's first signal, for the summary and the console link."""
    if signal not in ALERT_SIGNALS:
        raise ValueError(f"unknown signal {signal!r}")
    moment = time.time() if now is None else float(now)
    taken = []
    for alert in listeners(rules, signal, vendor, route):
        member = window_member(alert["id"], signal, vendor, route)
        closes = moment + throttle_seconds(alert.get("throttle"))
        first = {"alert": alert["id"], "signal": signal, "vendor": vendor or "", "route": route or "", **details}
        flat = [str(item) for pair in first.items() for item in pair]
        ttl = int(closes - moment) + WINDOW_TTL_SECONDS
        args = [member, repr(closes), repr(moment), ttl, new_event_id(moment), *flat]
        scripts.run(redis_client, _FOLD, [window_key(member), WINDOWS_DUE], args)
        taken.append(alert["id"])
    return taken


def delivery_died(redis_client, rules, delivery, error_class="", now=None):
    """dead_letter for a delivery that just died, unless it is an alert's own."""
    if delivery.get("alert"):
        return []
    return emit(redis_client, rules, "dead_letter", delivery["vendor"], delivery["route_id"], now,
                event_id=delivery["event_id"], delivery_id=delivery["id"],
                error=error_class or delivery.get("error_class") or "")


def attempt_settled(redis_client, rules, delivery, status, error_class="", now=None):
    """The delivery engine's hook after an attempt was stored: dead letters, vendor_failing.

    Never raises: an alert must not break the delivery it is about."""
    if delivery.get("alert") or not getattr(rules, "alerts", None):
        return
    try:
        if status == "dead":
            delivery_died(redis_client, rules, delivery, error_class, now)
        vendor = delivery["vendor"]
        if any(listeners(rules, "vendor_failing", vendor)):
            moment = time.time() if now is None else now
            failed = "0" if status == "succeeded" else "1"
            args = [failed, VENDOR_FAILING_WINDOW, VENDOR_FAILING_FAILURES, f"vendor_failing:{vendor}", repr(moment)]
            failures = scripts.run(redis_client, _OUTCOME, [outcomes_key(vendor), RAISED], args)
            if failures:
                emit(redis_client, rules, "vendor_failing", vendor, None, moment,
                     failures=failures, attempts=VENDOR_FAILING_WINDOW)
    except Exception:  # noqa: BLE001 - logged; the delivery's own outcome is already stored
        log.exception("alerts: could not record the attempt of %s", delivery.get("id"))


def check_backlog(redis_client, rules, now=None):
    """backlog for each vendor whose oldest waiting retry is over BACKLOG_AGE_SECONDS overdue;
    a vendor whose backlog cleared may raise it again. Returns the vendors raised now."""
    if not any("backlog" in alert["on"] for alert in getattr(rules, "alerts", None) or ()):
        return []
    moment = time.time() if now is None else float(now)
    overdue = redis_client.zrangebyscore(RETRIES, "-inf", moment - BACKLOG_AGE_SECONDS,
                                         start=0, num=BACKLOG_SCAN_LIMIT, withscores=True)
    pipe = redis_client.pipeline(transaction=False)
    for delivery_id, _ in overdue:
        pipe.hmget(delivery_key(delivery_id), "vendor", "route_id", "event_id", "alert")
    oldest = {}  # vendor -> (delivery id, due, route, event id); `overdue` is oldest first
    for (delivery_id, due), (vendor, route, event_id, alert) in zip(overdue, pipe.execute()):
        if vendor and not alert and vendor not in oldest:  # an alert's own retry is no backlog
            oldest[vendor] = (delivery_id, due, route, event_id)
    raised_before = {name.split(":", 1)[1] for name in redis_client.hkeys(RAISED) if name.startswith("backlog:")}
    cleared = [f"backlog:{vendor}" for vendor in raised_before - set(oldest)]
    if cleared:
        redis_client.hdel(RAISED, *cleared)
    raised = []
    for vendor, (delivery_id, due, route, event_id) in oldest.items():
        if redis_client.hsetnx(RAISED, f"backlog:{vendor}", repr(moment)):
            emit(redis_client, rules, "backlog", vendor, route or None, moment, delivery_id=delivery_id,
                 event_id=event_id or "", overdue_seconds=int(moment - due))
            raised.append(vendor)
    return raised

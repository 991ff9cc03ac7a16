"""Send the alerts whose window closed, through the delivery engine.

Each becomes a synthetic event (source `alerts`, name = the signal, payload = the
`alert` context plus the alert's id), shown by the admin API and the console like any
event, with one delivery (route id `alerts`, action id = the alert's id, field `alert`)
rendered from the alert's `args` with `alert` in the template context and queued with a
lease, as the engine queues its own messages: a lost message is re-sent by the sweeper;
a window is deleted only once its alert is stored and queued.
The engine retries it, rate-limits it and logs its attempts; when it dies it is a dead
letter like any other, and raises nothing (handlers.alerts.signals skips `alert` deliveries).
"""
import logging
import time
from urllib.parse import quote, urlencode

from redis.exceptions import LockError

from handlers.alerts.signals import WINDOWS_DUE, window_key
from handlers.alerts.throttle import throttle_seconds
from handlers.delivery import leases
from handlers.delivery.rollup import rollup_event
from handlers.redact import rules_secrets, scrub_text
from handlers.routing.route import RENDER_ERROR_CLASS
from handlers.routing.templates import TemplateRenderError, render_args
from handlers.store import scripts
from handlers.store.codec import iso
from handlers.store.deliveries import create_delivery, delivery_record, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event, set_event_status
from handlers.store.keys import key

log = logging.getLogger(__name__)

ALERTS_SOURCE = "alerts"   # the synthetic events' source
ALERTS_ROUTE = "alerts"    # the route id of alert deliveries
TEMPLATE_NAMES = ("alert",)  # what an alert's templates see
FLUSH_BATCH = 100
FLUSH_LOCK = key("alerts", "flushing")  # one flush at a time (ticks may overlap)
FLUSH_LOCK_SECONDS = 30   # above the task time limit: a crashed flush's lock lapses

# KEYS: due set, window hash. ARGV: member, count sent, now, throttle (s), a new event id.
# The window is done: deleted, or, when signals came while its alert was being stored,
# left with those signals as a new window closing a throttle from now. Returns what is left.
_DONE = """
local left = tonumber(redis.call('HGET', KEYS[2], 'count') or '0') - tonumber(ARGV[2])
if left <= 0 then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[2], 'count', left, 'first_at', ARGV[3], 'alert_event_id', ARGV[5])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return left
"""


def flush_due(redis_client, rules, send, lease_seconds, base_url, now=None, max_bytes=None):
    """Send every alert whose window has closed; returns the delivery ids stored.

    `send(delivery_id, token, countdown)` queues a delivery message (wiring.deliver_sender).
    A window is deleted only after its alert is stored and queued: a flush that dies
    half-way is finished by the next one, which stores nothing twice."""
    moment = time.time() if now is None else float(now)
    lock = redis_client.lock(FLUSH_LOCK, timeout=FLUSH_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return []
    sent = []
    try:
        for member in redis_client.zrangebyscore(WINDOWS_DUE, "-inf", moment, start=0, num=FLUSH_BATCH):
            delivery_id = _flush_one(redis_client, rules, member, send, lease_seconds, base_url, moment, max_bytes)
            if delivery_id:
                sent.append(delivery_id)
        return sent
    finally:
        try:
            lock.release()
        except LockError:  # it lapsed: this flush took over FLUSH_LOCK_SECONDS
            log.warning("alerts: the flush outlived its lock")


def _flush_one(redis_client, rules, member, send, lease_seconds, base_url, moment, max_bytes):
    window = redis_client.hgetall(window_key(member))
    alert = next((a for a in getattr(rules, "alerts", None) or () if a["id"] == window.get("alert")), None)
    if alert is None:
        if window:
            log.warning("alerts: %s is no longer in the rules; its window is dropped", window.get("alert"))
        redis_client.delete(window_key(member))
        redis_client.zrem(WINDOWS_DUE, member)
        return None
    delivery_id = send_alert(redis_client, rules, alert, window, send, lease_seconds, base_url, moment, max_bytes)
    args = [member, window["count"], repr(moment), throttle_seconds(alert.get("throttle")), new_event_id(moment)]
    scripts.run(redis_client, _DONE, [WINDOWS_DUE, window_key(member)], args)
    return delivery_id


def alert_context(window, base_url):
    """What the alert's templates see as `alert`."""
    count = int(window.get("count") or 1)
    context = {
        "signal": window["signal"],
        "summary": "",
        "vendor": window.get("vendor") or None,
        "route": window.get("route") or None,
        "count": count,
        "first_at": iso(float(window["first_at"])),
        "last_at": iso(float(window["last_at"])),
        "console_url": console_url(window, count, base_url),
    }
    context["summary"] = summary(window, context)
    return context


def console_url(window, count, base_url):
    """The console page that shows what the alert is about."""
    base = base_url.rstrip("/") + "/console"
    signal, event_id = window["signal"], window.get("event_id")
    if signal == "dead_letter":
        if count == 1 and event_id:
            return f"{base}/events/{quote(event_id, safe='')}"
        return f"{base}/dead-letters" + (f"?{urlencode({'vendor': window['vendor']})}" if window.get("vendor") else "")
    if signal == "backlog":
        return f"{base}/"
    return f"{base}/vendors"


def summary(window, context):
    """One line for a chat message."""
    vendor, route, count = context["vendor"], context["route"], context["count"]
    signal = window["signal"]
    if signal == "dead_letter":
        where = ", ".join(part for part in (f"route {route}" if route else "", window.get("error")) if part)
        head = "A delivery" if count == 1 else f"{count} deliveries"
        return f"{head} to {vendor} died" + (f" ({'first: ' if count > 1 else ''}{where})" if where else "")
    if signal == "vendor_failing":
        text = f"{vendor} is failing: {window.get('failures')} of its last {window.get('attempts')} attempts failed"
    elif signal == "backlog":
        minutes = int(window.get("overdue_seconds") or 0) // 60
        text = f"Backlog at {vendor}: its oldest waiting delivery is {minutes} min overdue"
    else:
        text = f"The circuit breaker for {vendor or route} {'opened' if signal == 'breaker_open' else 'closed'}"
    return text + (f" ({count} times)" if count > 1 else "")


def send_alert(redis_client, rules, alert, window, send, lease_seconds, base_url, now, max_bytes=None):
    """Store the alert's event and delivery, and queue the delivery; returns its id.

    Again for the same window (a flush that died half-way), it stores nothing twice and
    queues the delivery only if it never was."""
    context = alert_context(window, base_url)
    event_id = window.get("alert_event_id") or new_event_id(now)
    if get_event(redis_client, event_id) is None:
        save_event(redis_client, event_record(event_id, ALERTS_SOURCE, context["signal"],
                                              {"alert": alert["id"], **context}, {}, now))
    try:
        args, error = render_args(alert["args"], {"alert": context}, max_bytes), ""
    except TemplateRenderError as exc:
        args, error = {}, scrub_text(exc, rules_secrets(rules))
    record = delivery_record(event_id, ALERTS_ROUTE, alert["id"], alert["call"], args,
                             "dead" if error else "pending", error)
    record["alert"] = alert["id"]
    if error:
        record["error_class"] = RENDER_ERROR_CLASS
    created = create_delivery(redis_client, record)
    if get_event(redis_client, event_id)["status"] == "received":
        set_event_status(redis_client, event_id, "routed")
    if error:
        redis_client.zadd(leases.DEAD, {record["id"]: now})
        rollup_event(redis_client, event_id)
        if created:
            log.warning("alerts: alert %s is dead: %s", alert["id"], error)
        return record["id"]
    if created or _never_queued(redis_client, record["id"]):
        token = leases.hold_for_message(redis_client, record["id"], now + lease_seconds)
        send(record["id"], token, 0)
        log.info("alerts: %s (%s, count %d) queued as %s", alert["id"], context["signal"], context["count"],
                 record["id"])
    return record["id"]


def _never_queued(redis_client, delivery_id):
    """Still pending and without a lease: its message was never sent."""
    delivery = get_delivery(redis_client, delivery_id)
    return delivery is not None and delivery["status"] == "pending" \
        and redis_client.zscore(leases.INFLIGHT, delivery_id) is None

"""Send the alerts whose window closed, through the delivery engine.

Each becomes a synthetic event (source `alerts`, name = the signal, payload = the
`alert` context plus the alert's id), shown by the admin API and the console like any
event, with one delivery (route id `alerts`, action id = the alert's id, field `alert`)
rendered from the alert's `args` with `alert` in the template context and queued with a
lease, as the engine queues its own messages: a lost message is re-sent by the sweeper.
The engine retries it, rate-limits it and logs its attempts; when it dies it is a dead
letter like any other, and raises nothing (handlers.alerts.signals skips `alert` deliveries).
"""
import logging
import time
from urllib.parse import quote, urlencode

from handlers.alerts.signals import WINDOWS_DUE, window_key
from handlers.delivery import leases
from handlers.delivery.rollup import rollup_event
from handlers.redact import rules_secrets, scrub_text
from handlers.routing.route import RENDER_ERROR_CLASS
from handlers.routing.templates import TemplateRenderError, render_args
from handlers.store import scripts
from handlers.store.codec import iso
from handlers.store.deliveries import create_delivery, delivery_record
from handlers.store.events import event_record, new_event_id, save_event, set_event_status

log = logging.getLogger(__name__)

ALERTS_SOURCE = "alerts"   # the synthetic events' source
ALERTS_ROUTE = "alerts"    # the route id of alert deliveries
TEMPLATE_NAMES = ("alert",)  # what an alert's templates see
FLUSH_BATCH = 100

# KEYS: due set, window hash. ARGV: member, now. The window's fields (flat), taken
# (deleted) in one step, or {} when it is not due or was taken by another tick.
_TAKE = """
local closes = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not closes or tonumber(closes) > tonumber(ARGV[2]) then return {} end
local fields = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return fields
"""


def flush_due(redis_client, rules, send, lease_seconds, base_url, now=None, max_bytes=None):
    """Send every alert whose window has closed; returns the delivery ids created.

    `send(delivery_id, token, countdown)` queues a delivery message (wiring.deliver_sender)."""
    moment = time.time() if now is None else float(now)
    alerts = {alert["id"]: alert for alert in getattr(rules, "alerts", None) or ()}
    sent = []
    for member in redis_client.zrangebyscore(WINDOWS_DUE, "-inf", moment, start=0, num=FLUSH_BATCH):
        flat = scripts.run(redis_client, _TAKE, [WINDOWS_DUE, window_key(member)], [member, repr(moment)])
        if not flat:
            continue
        window = dict(zip(flat[::2], flat[1::2]))
        alert = alerts.get(window.get("alert"))
        if alert is None:
            log.warning("alerts: %s is no longer in the rules; its window is dropped", window.get("alert"))
            continue
        sent.append(send_alert(redis_client, rules, alert, window, send, lease_seconds, base_url, moment, max_bytes))
    return sent


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
    """Store the alert's event and delivery, and queue the delivery; returns its id."""
    context = alert_context(window, base_url)
    event_id = new_event_id(now)
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
    create_delivery(redis_client, record)
    set_event_status(redis_client, event_id, "routed")
    if error:
        redis_client.zadd(leases.DEAD, {record["id"]: now})
        rollup_event(redis_client, event_id)
        log.warning("alerts: alert %s is dead: %s", alert["id"], error)
        return record["id"]
    token = leases.hold_for_message(redis_client, record["id"], now + lease_seconds)
    send(record["id"], token, 0)
    log.info("alerts: %s (%s, count %d) queued as %s", alert["id"], context["signal"], context["count"], record["id"])
    return record["id"]

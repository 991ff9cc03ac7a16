"""One delivery attempt: load, lease, run the action, record the attempt, decide what next.

Outcomes returned (for logs and tests): "succeeded", "retrying", "dead", "parked" (no
rate-limit slot, or the vendor cools down, or its circuit breaker is open: parked in a
lane until the dispatcher releases it, not counted as an attempt), "paused" (its vendor
or route is paused: parked with status `paused` until resumed, not counted),
"skipped" (already succeeded or dead), "busy" (leased to another run or message, or a
retry is scheduled later), "missing" (no such delivery).
"""
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from handlers import metrics
from handlers.actions import ActionContext, get_action
from handlers.alerts.signals import attempt_settled, emit
from handlers.delivery import breaker, leases, parking, pause
from handlers.delivery.ratelimit import RateLimited, vendor_lane
from handlers.delivery.rollup import rollup_event
from handlers.delivery.schedule import retry_delay, rides_countdown
from handlers.delivery.verdict import judge
from handlers.redact import arg_secrets, config_secrets
from handlers.store.codec import iso
from handlers.store.deliveries import append_attempt, get_delivery, update_delivery
from handlers.store.stats import count_delivery
from handlers.vendors.errors import PermanentVendorError

log = logging.getLogger(__name__)

PARK_LEAD_SECONDS = 0.2  # a lane wakes this long before the slot its head waits for (dispatch.LEAD_SECONDS)
COOLDOWN_EXEMPT_VENDORS = ("http",)  # http.post reaches many unrelated hosts: no shared cooldown


@dataclass
class Runtime:
    """What an attempt needs from its process; built once per worker by tasks.delivery."""

    redis: Any
    config: Mapping
    session: Any
    limits: Any                                   # handlers.delivery.ratelimit.VendorLimits
    send: Callable[[str, str, float], None]       # queue "delivery.deliver" [id, token] after n s
    now: Callable[[], float] = time.time
    rand: Callable[[], float] = field(default=random.random)
    secrets: tuple = ()  # known secrets beyond config's: the rules' ${VAR} values, tokens (redact.rules_secrets)
    rules: Any = None  # the loaded routes.yaml, for alerts (handlers.alerts.signals)


def deliver(rt, delivery_id, message_token=None):
    delivery = get_delivery(rt.redis, delivery_id)
    if delivery is None:
        log.warning("delivery %s does not exist (expired or never created)", delivery_id)
        return "missing"
    if delivery["status"] in ("succeeded", "dead"):
        return "skipped"
    started = rt.now()
    lease_seconds = rt.config["DELIVERY_LEASE_SECONDS"]
    if leases.take_lease(rt.redis, delivery_id, message_token, started, started + lease_seconds) is None:
        return "busy"
    held = _held_back(rt, delivery, lease_seconds)
    if held is not None:
        return held
    ctx = ActionContext(config=rt.config, session=rt.session, state=delivery["state"],
                        before_request=lambda vendor: rt.limits.before_request(vendor, delivery_id),
                        delivery_id=delivery_id)
    result, error, clock = None, None, time.monotonic()
    try:
        action = get_action(delivery["call"])
    except KeyError as exc:  # the rules changed under a queued delivery: retrying cannot help
        action, error = None, PermanentVendorError(str(exc.args[0]))
    try:
        result = action.run(delivery["args"], ctx) if action is not None else None
    except RateLimited as exc:
        return _park(rt, delivery, ctx.state, exc)
    except Exception as exc:  # every failure is judged and recorded; nothing escapes unrecorded
        error = exc
    duration = time.monotonic() - clock
    verdict = judge(result, error, config_secrets(rt.config) + list(rt.secrets) + arg_secrets(delivery["args"]))
    metrics.ATTEMPT_SECONDS.labels(delivery["vendor"]).observe(duration)
    _breaker_outcome(rt, delivery, not verdict.succeeded and verdict.retryable, lease_seconds)
    if verdict.status == 429 and delivery["vendor"] not in COOLDOWN_EXEMPT_VENDORS:
        rt.limits.cool_down(delivery["vendor"], verdict.retry_after)
    delay = None
    if not verdict.succeeded and verdict.retryable:
        made = delivery["attempts"] + 1 - delivery["schedule_from"]  # since the schedule (re)started
        delay = retry_delay(rt.config["RETRY_SCHEDULE"], made, verdict.retry_after, rt.rand)
    status = "succeeded" if verdict.succeeded else ("retrying" if delay is not None else "dead")
    finished = rt.now()
    due = finished + delay if delay is not None else None
    append_attempt(rt.redis, delivery_id, _attempt(delivery, verdict, status, started, duration, due))
    _settle(rt, delivery, ctx.state, verdict, status, finished, due, lease_seconds)
    attempt_settled(rt.redis, rt.rules, delivery, status, verdict.error_class, finished)
    metrics.DELIVERIES.labels(delivery["vendor"], "retried" if status == "retrying" else status).inc()
    if status != "retrying":
        rollup_event(rt.redis, delivery["event_id"])
    log.info("delivery %s attempt %d: %s (%s)", delivery_id, delivery["attempts"] + 1, status,
             verdict.status or verdict.error_class or "-")
    return status


def _held_back(rt, delivery, lease_seconds):
    """Park the delivery, before any attempt, if its vendor or route is paused or its
    breaker is open (not the probe); None when it may go."""
    paused = pause.paused_for(rt.redis, delivery)
    if paused is not None:
        pause.park_paused(rt.redis, delivery, *paused, due_order(delivery), rt.send, lease_seconds)
        return "paused"
    name = breaker.breaker_name(delivery)
    verdict, wake = breaker.check(rt.redis, name, delivery["id"], lease_seconds, rt.now)
    if verdict != "wait":
        return None
    parking.park(rt.redis, breaker.breaker_lane(name), delivery["id"], "breaker", due_order(delivery), wake)
    return "parked"


def _breaker_outcome(rt, delivery, failed, lease_seconds):
    """Count the attempt in its breaker; alert when it opens or closes, and on closing
    send what waited behind it, head first."""
    name = breaker.breaker_name(delivery)
    change = breaker.record(rt.redis, rt.config, name, delivery["id"], failed, rt.now)
    if change == "opened":
        log.warning("circuit breaker %s opened", name)
        emit(rt.redis, rt.rules, "breaker_open", vendor=delivery["vendor"], breaker=name)
    elif change == "closed":
        log.info("circuit breaker %s closed", name)
        emit(rt.redis, rt.rules, "breaker_closed", vendor=delivery["vendor"], breaker=name)
        pause.release_lane(rt.redis, breaker.breaker_lane(name), rt.send, lease_seconds)


def _attempt(delivery, verdict, status, started, duration, due):
    return {
        "number": delivery["attempts"] + 1,
        "started_at": iso(started),
        "duration_ms": int(duration * 1000),
        "status": verdict.status,
        "outcome": status,
        "error_class": verdict.error_class,
        "error": verdict.error,
        "response_excerpt": verdict.response_excerpt,
        "next_attempt_at": iso(due) if due is not None else None,
    }


def _settle(rt, delivery, state, verdict, status, now, due, lease_seconds):
    """Store the new status and move the delivery between the sorted sets, in one transaction."""
    delivery_id = delivery["id"]
    fields = dict(status=status, state=state, last_status=verdict.status if verdict.status is not None else "",
                  last_error=verdict.error, error_class=verdict.error_class,
                  next_attempt_at=iso(due) if due is not None else "")
    if verdict.succeeded:
        fields["record_failures"] = verdict.record_failures
    pipe = rt.redis.pipeline(transaction=True)
    update_delivery(pipe, delivery_id, **fields)
    if status == "succeeded":
        leases.release(pipe, delivery_id)
    elif status == "dead":
        leases.bury(pipe, delivery_id, now)
    elif not rides_countdown(due - now):
        leases.park(pipe, delivery_id, due)
    count_delivery(pipe, delivery["vendor"], status, now)
    pipe.execute()
    if status == "retrying" and rides_countdown(due - now):
        _send_later(rt, delivery_id, due - now, lease_seconds)


def _park(rt, delivery, state, exc):
    """No slot now: keep what the action did so far and wait in the vendor's lane, in due
    order, held by no worker; the dispatcher sends it again when its slot comes."""
    update_delivery(rt.redis, delivery["id"], state=state)
    wake = rt.now() + max(exc.retry_in - PARK_LEAD_SECONDS, 0.0)
    parking.park(rt.redis, vendor_lane(exc.vendor), delivery["id"], exc.reason, due_order(delivery), wake)
    metrics.DELIVERIES.labels(delivery["vendor"], "rate_limited").inc()
    return "parked"


def due_order(delivery):
    """When the delivery became due (epoch s): its retry's due time, else its creation."""
    text = delivery.get("next_attempt_at") or delivery.get("created_at")
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        return time.time()


def _send_later(rt, delivery_id, countdown, lease_seconds):
    """A countdown message, with a lease covering its wait so that a worker's death loses nothing."""
    token = leases.hold_for_message(rt.redis, delivery_id, rt.now() + countdown + lease_seconds)
    rt.send(delivery_id, token, countdown)

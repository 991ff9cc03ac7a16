"""Per-vendor rate limits that hold across every worker process, kept in Redis.

`<VENDOR>_RATE_LIMIT` (e.g. "1/second", "3000/5 minutes", parsed with limits.parse)
allows at most that many requests in any window of that length. One Lua script keeps
a moving-window log per vendor (a sorted set of request times) and reads the time from
Redis itself, so workers on different machines share one clock. The window is
stretched by a margin against network jitter: 4 % of the window, at most 100 ms.
Under "1/second" requests leave our workers at least 1.04 s apart, so two never arrive
at the vendor within one second; under "3000/5 minutes" the window is 300.1 s (jitter
is a matter of milliseconds whatever the window). How the margin was chosen:
docs/benchmarks.md, bench/ratelimit. A vendor without a configured limit is unlimited.

A 429 puts the vendor in a cooldown (Retry-After, else COOLDOWN_DEFAULT_SECONDS) that
every worker honours before its next request to that vendor.

A delivery that finds no slot (or the cooldown) is parked in its vendor's lane
(handlers.delivery.parking), in due order; handlers.delivery.dispatch releases the heads
as slots come free, each with a reservation of a slot, so that the waiters do not all
wake at once and a newcomer does not take a slot from the lane's head.
"""
import time
import uuid

import limits

from handlers.delivery.parking import lane_key
from handlers.store.keys import key

WINDOW_MARGIN_FRACTION = 0.04  # of the window: 40 ms at 1/second
WINDOW_MARGIN_MAX_SECONDS = 0.1
COOLDOWN_DEFAULT_SECONDS = 5.0
COOLDOWN_MAX_SECONDS = 3600.0

# KEYS: window log, cooldown, reservations, lane. ARGV: amount (0 = unlimited), window ms,
# unique member, delivery id (or ''), longest wait ms a reservation holder may sleep.
# Returns {0, 0} when a slot was taken, else {reason, ms to wait}: 1 rate limit, 2 cooldown.
# A delivery holding a reservation (released from the lane for this slot) takes the next
# free slot; anyone else queues behind the lane while it has waiters, and never takes a
# slot reserved for a holder.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local holder = ARGV[4] ~= '' and redis.call('ZSCORE', KEYS[3], ARGV[4])
local function give_up(reason, wait)
  if holder and wait > tonumber(ARGV[5]) then redis.call('ZREM', KEYS[3], ARGV[4]) end
  return {reason, wait}
end
local cooldown_until = tonumber(redis.call('GET', KEYS[2]) or '0')
if cooldown_until > now then return give_up(2, cooldown_until - now) end
local amount = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if amount > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window) end
local used = amount > 0 and redis.call('ZCARD', KEYS[1]) or 0
local held = redis.call('ZCARD', KEYS[3])
if holder then
  held = held - 1
elseif redis.call('EXISTS', KEYS[4]) == 1 then
  return {1, 1}
end
if amount == 0 or used + held < amount then
  if holder then redis.call('ZREM', KEYS[3], ARGV[4]) end
  if amount > 0 then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
  end
  return {0, 0}
end
local index = used + held - amount
if index >= used then return give_up(1, window) end
local entry = tonumber(redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')[2])
return give_up(1, math.max(1, entry + window - now + 1))
"""

# KEYS: window log, cooldown, reservations. ARGV: amount (0 = unlimited), window ms, lead ms.
# Returns {slots, ms}: how many reservations may be made now (slots free within `lead`),
# else 0 and the ms until the next one may be.
_SLOTS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lead = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local cooldown_until = tonumber(redis.call('GET', KEYS[2]) or '0')
if cooldown_until > now + lead then return {0, cooldown_until - now - lead} end
local amount = tonumber(ARGV[1])
if amount == 0 then return {-1, 0} end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
local held = redis.call('ZCARD', KEYS[3])
local expiring = redis.call('ZCOUNT', KEYS[1], '-inf', now + lead - window)
local free = amount - (used - expiring) - held
if free > 0 then return {free, 0} end
local index = used + held - amount
if index >= used then return {0, math.max(1, window - lead)} end
local entry = tonumber(redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')[2])
return {0, math.max(1, entry + window - now - lead)}
"""

# KEYS: window log. ARGV: member, margin ms, window ms. After the vendor answered: the
# request reached it at the latest now, so its entry moves to now - margin if that is
# later (a request held up between its slot and the wire, by a busy process, would
# otherwise let the next one arrive less than the period after it).
_CONFIRM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local latest = now - tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) < latest then
  redis.call('ZADD', KEYS[1], 'XX', latest, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
"""

# KEYS: cooldown. ARGV: milliseconds. Extends, never shortens, a running cooldown.
_COOL_DOWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < until_ then
  redis.call('SET', KEYS[1], until_, 'PX', ARGV[1])
end
return until_
"""


class RateLimited(Exception):
    """No request slot for `vendor` now: park the delivery; its turn comes in about `retry_in` s.

    `reason` is the parking reason: "rate_limit" (the window is full, or others wait
    ahead in the lane) or "cooldown" (the vendor answered 429)."""

    def __init__(self, vendor, retry_in, reason="rate_limit"):
        super().__init__(f"{reason} of {vendor}: no slot free, next in {retry_in:.2f} s")
        self.vendor = vendor
        self.retry_in = retry_in
        self.reason = reason


def parse_limit(text):
    """'3000/5 minutes' -> (3000, 300.0); empty -> None (unlimited)."""
    if text in (None, ""):
        return None
    item = limits.parse(str(text))
    return item.amount, float(item.get_expiry())


def limit_setting_problems(config):
    """A message for each `<VENDOR>_RATE_LIMIT` setting that is not a rate limit.

    Checked when the app starts (logged) and by /readyz, so a typo shows before the first
    delivery to that vendor fails on it."""
    problems = []
    for name in sorted(n for n in config if isinstance(n, str) and n.endswith("_RATE_LIMIT")):
        try:
            parse_limit(config.get(name))
        except ValueError:
            problems.append(f"{name} is not a rate limit such as '1/second' or '3000/5 minutes': {config.get(name)!r}")
    return problems


def stretched_window(window_seconds):
    """The window plus its jitter margin: 1 s -> 1.04 s, 5 s -> 5.1 s, 300 s -> 300.1 s."""
    return window_seconds + min(window_seconds * WINDOW_MARGIN_FRACTION, WINDOW_MARGIN_MAX_SECONDS)


def window_key(vendor):
    return key("ratelimit", vendor)


def cooldown_key(vendor):
    return key("ratelimit", vendor, "cooldown")


def reservations_key(vendor):
    """Deliveries released from the lane for a slot: id -> reservation end (ms, Redis time)."""
    return key("ratelimit", vendor, "reserved")


def vendor_lane(vendor):
    """The parking lane (handlers.delivery.parking) of the deliveries waiting for `vendor`."""
    return f"vendor:{vendor}"


def lane_vendor(lane):
    return lane.split(":", 1)[1] if lane.startswith("vendor:") else None


REASON_NAMES = {1: "rate_limit", 2: "cooldown"}
RESERVATION_SECONDS = 10.0  # a released delivery not sending by then gives its slot back


class VendorLimits:
    """The `before_request(vendor)` hook of ActionContext, the 429 cooldown, and the gate
    that tells a dispatcher how many parked deliveries may be released.

    Nobody sleeps for a slot except a delivery released for it (a reservation holder),
    and only for at most `max_wait_seconds` (the dispatcher releases it a little before
    its slot frees, see dispatch.LEAD_SECONDS); everyone else is parked."""

    def __init__(self, redis_client, config, max_wait_seconds, sleep=time.sleep, clock=time.monotonic):
        self.redis = redis_client
        self.config = config
        self.max_wait_seconds = max_wait_seconds
        self.sleep = sleep
        self.clock = clock
        self._acquire = redis_client.register_script(_ACQUIRE)
        self._slots = redis_client.register_script(_SLOTS)
        self._cool_down = redis_client.register_script(_COOL_DOWN)
        self._confirm = redis_client.register_script(_CONFIRM)

    def limit_for(self, vendor):
        name = f"{vendor.upper()}_RATE_LIMIT"
        try:
            return parse_limit(self.config.get(name))
        except ValueError:
            raise ValueError(f"{name} is not a rate limit such as '1/second': {self.config.get(name)!r}") from None

    def _limit_args(self, vendor):
        limit = self.limit_for(vendor)
        amount, window_seconds = limit if limit else (0, 0.0)
        return amount, int(stretched_window(window_seconds) * 1000)

    def acquire(self, vendor, delivery_id="", member=None):
        """Take a request slot: (None, 0.0) when taken, else (reason, seconds to wait)."""
        amount, window_ms = self._limit_args(vendor)
        keys = [window_key(vendor), cooldown_key(vendor), reservations_key(vendor), _lane_key(vendor)]
        args = [amount, window_ms, member or uuid.uuid4().hex, delivery_id or "", int(self.max_wait_seconds * 1000)]
        code, wait_ms = self._acquire(keys=keys, args=args)
        return (None, 0.0) if int(code) == 0 else (REASON_NAMES[int(code)], int(wait_ms) / 1000.0)

    def answered(self, vendor, member):
        """The request of slot `member` has its answer: count it from now - margin at the earliest."""
        amount, window_ms = self._limit_args(vendor)
        margin_ms = window_ms - int(self.limit_for(vendor)[1] * 1000)
        self._confirm(keys=[window_key(vendor)], args=[member, margin_ms, window_ms])

    def try_acquire(self, vendor):
        """Take a request slot: 0.0 when taken, else the seconds to wait before asking again."""
        return self.acquire(vendor)[1]

    def before_request(self, vendor, delivery_id=""):
        """Take a slot, or raise RateLimited. A reservation holder waits for its slot when
        that is at most max_wait_seconds away. For a limited vendor, returns the function the
        client calls once the answer is in (see `answered`)."""
        member = uuid.uuid4().hex
        while True:
            reason, wait = self.acquire(vendor, delivery_id, member)
            if reason is None:
                return (lambda: self.answered(vendor, member)) if self.limit_for(vendor) else None
            if not self.is_holder(vendor, delivery_id) or wait > self.max_wait_seconds:
                raise RateLimited(vendor, wait, reason)
            self.sleep(wait)

    def is_holder(self, vendor, delivery_id):
        return bool(delivery_id) and self.redis.zscore(reservations_key(vendor), delivery_id) is not None

    def slots(self, vendor, lead_seconds):
        """(n, 0.0): n parked deliveries may be released now (-1: any number); else
        (0, seconds until asking again is worthwhile)."""
        amount, window_ms = self._limit_args(vendor)
        keys = [window_key(vendor), cooldown_key(vendor), reservations_key(vendor)]
        free, wait_ms = self._slots(keys=keys, args=[amount, window_ms, int(lead_seconds * 1000)])
        return int(free), int(wait_ms) / 1000.0

    def reservation_end_ms(self):
        """When a reservation made now runs out, in Redis's clock (ms)."""
        seconds, micros = self.redis.time()
        return int(seconds * 1000 + micros // 1000 + RESERVATION_SECONDS * 1000)

    def cool_down(self, vendor, seconds=None):
        """Hold every worker's requests to `vendor` for `seconds` (a 429 was answered)."""
        seconds = min(float(seconds or COOLDOWN_DEFAULT_SECONDS), COOLDOWN_MAX_SECONDS)
        self._cool_down(keys=[cooldown_key(vendor)], args=[max(1, int(seconds * 1000))])


def _lane_key(vendor):
    return lane_key(vendor_lane(vendor))

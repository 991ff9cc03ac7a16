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
"""
import time
import uuid

import limits

from handlers.store.keys import key

WINDOW_MARGIN_FRACTION = 0.04  # of the window: 40 ms at 1/second
WINDOW_MARGIN_MAX_SECONDS = 0.1
COOLDOWN_DEFAULT_SECONDS = 5.0
COOLDOWN_MAX_SECONDS = 3600.0

# KEYS: window log, cooldown. ARGV: amount (0 = unlimited), window ms, unique member.
# Returns 0 when a slot was taken, else the milliseconds to wait before asking again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cooldown_until = tonumber(redis.call('GET', KEYS[2]) or '0')
if cooldown_until > now then return cooldown_until - now end
local amount = tonumber(ARGV[1])
if amount == 0 then return 0 end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < amount then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, oldest + window - now + 1)
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
    """No request slot for `vendor` within the allowed wait; try again in `retry_in` seconds."""

    def __init__(self, vendor, retry_in):
        super().__init__(f"rate limit of {vendor}: no slot free, next in {retry_in:.2f} s")
        self.vendor = vendor
        self.retry_in = retry_in


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


class VendorLimits:
    """The `before_request(vendor)` hook of ActionContext, plus the 429 cooldown."""

    def __init__(self, redis_client, config, max_wait_seconds, sleep=time.sleep, clock=time.monotonic):
        self.redis = redis_client
        self.config = config
        self.max_wait_seconds = max_wait_seconds
        self.sleep = sleep
        self.clock = clock
        self._acquire = redis_client.register_script(_ACQUIRE)
        self._cool_down = redis_client.register_script(_COOL_DOWN)

    def limit_for(self, vendor):
        name = f"{vendor.upper()}_RATE_LIMIT"
        try:
            return parse_limit(self.config.get(name))
        except ValueError:
            raise ValueError(f"{name} is not a rate limit such as '1/second': {self.config.get(name)!r}") from None

    def try_acquire(self, vendor):
        """Take a request slot: 0.0 when taken, else the seconds to wait before asking again."""
        limit = self.limit_for(vendor)
        amount, window_seconds = limit if limit else (0, 0.0)
        window_ms = int(stretched_window(window_seconds) * 1000)
        member = uuid.uuid4().hex
        wait_ms = self._acquire(keys=[window_key(vendor), cooldown_key(vendor)], args=[amount, window_ms, member])
        return int(wait_ms) / 1000.0

    def before_request(self, vendor):
        """Wait for a slot, at most max_wait_seconds in all; else raise RateLimited."""
        deadline = self.clock() + self.max_wait_seconds
        while True:
            wait = self.try_acquire(vendor)
            if wait <= 0:
                return
            if self.clock() + wait > deadline:
                raise RateLimited(vendor, wait)
            self.sleep(wait)

    def cool_down(self, vendor, seconds=None):
        """Hold every worker's requests to `vendor` for `seconds` (a 429 was answered)."""
        seconds = min(float(seconds or COOLDOWN_DEFAULT_SECONDS), COOLDOWN_MAX_SECONDS)
        self._cool_down(keys=[cooldown_key(vendor)], args=[max(1, int(seconds * 1000))])

"""Parked deliveries: waiting in Redis, held by no worker and no message, until released.

A delivery that may not go now is parked in a *lane*, with a reason: `rate_limit` (no
slot of its vendor's limit), `cooldown` (its vendor answered 429), `paused` (its vendor
or route is paused: handlers.delivery.pause), `breaker` (its vendor's or host's circuit
breaker is open: handlers.delivery.breaker), each in lanes of their own.

hooks:lane:<name>        sorted set: delivery id -> due order (epoch s it became due); the
                         lowest score is the head, released first
hooks:lanes              sorted set: lane name -> wake time (epoch s) when whoever releases
                         should look at the lane again (+inf: only on demand, e.g. resume)
hooks:delivery:<id>      field `parked`: the reason while parked, "" once released

Parking drops the delivery's lease (hooks:inflight): the lane is then its only record, so
a worker's death cannot lose it. Releasing (one Lua call per lane, so two releasers never
release one delivery twice) takes up to n heads out of the lane, leases each to a message
(hooks:inflight and a token, as the scheduler's requeue does) and, when given a
reservation set, reserves a slot for each there; the caller sends the messages. The lane
keeps order and wake times only: how many may go is the caller's gate (handlers.delivery.
dispatch asks the rate limiter).
"""
import uuid

from handlers.delivery import leases
from handlers.store.deliveries import delivery_key
from handlers.store.keys import key
from handlers.store import scripts

LANES = key("lanes")
REASONS = ("rate_limit", "cooldown", "paused", "breaker")

# KEYS: lane, lanes, inflight, token, delivery. ARGV: id, order, wake, reason, lane name.
_PARK = """
if redis.call('EXISTS', KEYS[5]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[5], 'parked', ARGV[4])
local wake = redis.call('ZSCORE', KEYS[2], ARGV[5])
if (not wake) or tonumber(wake) > tonumber(ARGV[3]) then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5]) end
return 1
"""

# KEYS: lane, lanes, inflight, reservations ('' key unused when ARGV[9] is '0').
# ARGV: lane name, count, next wake, lease end, token ttl, token base, key prefix,
#       reservation end (ms), use reservations (1/0).
# Returns id1, token1, id2, token2, ... for the deliveries released.
_RELEASE = """
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {}
for i, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local record = ARGV[7] .. 'delivery:' .. id
  if redis.call('EXISTS', record) == 1 then
    local token = ARGV[6] .. ':' .. i
    redis.call('ZADD', KEYS[3], ARGV[4], id)
    redis.call('SET', record .. ':lease', token, 'EX', ARGV[5])
    redis.call('HSET', record, 'parked', '')
    if ARGV[9] == '1' then redis.call('ZADD', KEYS[4], ARGV[8], id) end
    out[#out + 1] = id
    out[#out + 1] = token
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return out
"""


def lane_key(name):
    return key("lane", name)


def park(redis_client, lane, delivery_id, reason, order, wake_at):
    """Park the delivery in `lane` (its place: `order`, kept if it is parked already) and
    make the lane wake by `wake_at`; the delivery's lease is dropped. False if it is gone."""
    if reason not in REASONS:
        raise ValueError(f"unknown parking reason {reason!r}")
    keys = [lane_key(lane), LANES, leases.INFLIGHT, leases.token_key(delivery_id), delivery_key(delivery_id)]
    return bool(scripts.run(redis_client, _PARK, keys, [delivery_id, repr(float(order)), repr(float(wake_at)), reason, lane]))


def due_lanes(redis_client, moment, limit=100):
    """[(lane, wake)] of the lanes whose wake time is at or before `moment`, earliest first."""
    return redis_client.zrangebyscore(LANES, "-inf", moment, start=0, num=limit, withscores=True)


def next_wake(redis_client):
    """The earliest wake time of any lane, or None when nothing is parked."""
    first = redis_client.zrange(LANES, 0, 0, withscores=True)
    return first[0][1] if first else None


def release(redis_client, lane, count, next_wake_at, lease_end, reservations=None, reserved_until_ms=0):
    """Release up to `count` heads of `lane`: [(delivery id, lease token)], each leased until
    `lease_end` and, with `reservations` (a sorted set key), reserved there until
    `reserved_until_ms`. The lane, if not empty after, wakes at `next_wake_at`."""
    if count <= 0:
        return []
    keys = [lane_key(lane), LANES, leases.INFLIGHT, reservations or lane_key(lane)]
    args = [lane, int(count), repr(float(next_wake_at)), repr(float(lease_end)), leases.TOKEN_TTL_SECONDS,
            uuid.uuid4().hex, key(""), int(reserved_until_ms), "1" if reservations else "0"]
    flat = scripts.run(redis_client, _RELEASE, keys, args)
    return list(zip(flat[0::2], flat[1::2]))


def set_wake(redis_client, lane, wake_at):
    """Move the lane's wake time (only while the lane is listed, i.e. not empty)."""
    redis_client.zadd(LANES, {lane: wake_at}, xx=True)


def parked(redis_client, lane):
    """The ids waiting in `lane`, head first."""
    return redis_client.zrange(lane_key(lane), 0, -1)

"""Who may run a delivery now: the sorted sets hooks:inflight, hooks:retries, hooks:dead.

hooks:inflight  delivery id -> lease end (epoch s). Held while an attempt runs, and while
                a Celery message we sent with a countdown is on its way. The sweeper
                re-queues deliveries whose lease ran out (the worker died).
hooks:retries   delivery id -> due time (epoch s) of a retry too far away for a countdown.
hooks:dead      delivery id -> time it died.
hooks:delivery:<id>:lease  the token of the message (or run) that owns the lease.

Every "delivery.deliver" message we send ourselves carries the lease token; a message
whose token is no longer the owner has been superseded and does nothing. A message
without a token (routing, admin replay, a redelivered message) runs only when no live
lease and no later retry exist. Either way a delivery runs in one place at a time.
"""
import uuid

from handlers.store.deliveries import delivery_key
from handlers.store import scripts
from handlers.store.keys import DEAD_LETTERS, INFLIGHT, RETRIES, key

DEAD = DEAD_LETTERS  # the name the engine and its tests use
TOKEN_TTL_SECONDS = 7 * 24 * 3600  # tokens are deleted when a delivery ends; this is hygiene

# KEYS: inflight, retries, token. ARGV: id, message token or "", new token, now, lease end, ttl.
_TAKE = """
if ARGV[2] ~= '' then
  if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
else
  local lease_end = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if lease_end and tonumber(lease_end) > tonumber(ARGV[4]) then return 0 end
  local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if due and tonumber(due) > tonumber(ARGV[4]) then return 0 end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[6])
return 1
"""

# KEYS: inflight, retries, token. ARGV: id, lease end, new token, ttl.
_HOLD = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
return 1
"""

# KEYS: retries, inflight, token. ARGV: id, now, lease end, new token, ttl.
_CLAIM_DUE = """
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
return 1
"""

# KEYS: inflight, delivery hash, token. ARGV: id, now, lease end, new token, ttl.
# 1: claimed for a re-send; -1: the delivery ended or is gone, entry dropped; 0: not expired.
_CLAIM_EXPIRED = """
local lease_end = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not lease_end or tonumber(lease_end) > tonumber(ARGV[2]) then return 0 end
local status = redis.call('HGET', KEYS[2], 'status')
if (not status) or status == 'succeeded' or status == 'dead' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3])
  return -1
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
return 1
"""


def token_key(delivery_id):
    return key("delivery", delivery_id, "lease")


def new_token():
    return uuid.uuid4().hex


def _keys(delivery_id):
    return [INFLIGHT, RETRIES, token_key(delivery_id)]


def take_lease(redis_client, delivery_id, message_token, now, lease_end, token=None):
    """Claim the delivery for this run: the run's token (`token`, else a new one), or None
    when it is not ours to run."""
    token = token or new_token()
    args = [delivery_id, message_token or "", token, repr(now), repr(lease_end), TOKEN_TTL_SECONDS]
    return token if scripts.run(redis_client, _TAKE, _keys(delivery_id), args) else None


def hold_for_message(redis_client, delivery_id, lease_end):
    """Lease the delivery to a message about to be sent; returns the token it must carry."""
    token = new_token()
    scripts.run(redis_client, _HOLD, _keys(delivery_id), [delivery_id, repr(lease_end), token, TOKEN_TTL_SECONDS])
    return token


def claim_due(redis_client, delivery_id, now, lease_end):
    """Move a due retry into hooks:inflight; its token, or None if not due (or taken already)."""
    token = new_token()
    keys = [RETRIES, INFLIGHT, token_key(delivery_id)]
    args = [delivery_id, repr(now), repr(lease_end), token, TOKEN_TTL_SECONDS]
    return token if scripts.run(redis_client, _CLAIM_DUE, keys, args) == 1 else None


def claim_expired(redis_client, delivery_id, now, lease_end):
    """Renew an expired lease for a re-send; its token, or None (not expired, or ended)."""
    token = new_token()
    keys = [INFLIGHT, delivery_key(delivery_id), token_key(delivery_id)]
    args = [delivery_id, repr(now), repr(lease_end), token, TOKEN_TTL_SECONDS]
    return token if scripts.run(redis_client, _CLAIM_EXPIRED, keys, args) == 1 else None


def release(pipe, delivery_id):
    """(In a pipeline) the delivery ended: no lease, no scheduled retry."""
    pipe.zrem(INFLIGHT, delivery_id)
    pipe.zrem(RETRIES, delivery_id)
    pipe.delete(token_key(delivery_id))


def park(pipe, delivery_id, due):
    """(In a pipeline) wait in hooks:retries until `due`; the scheduler re-queues it then."""
    release(pipe, delivery_id)
    pipe.zadd(RETRIES, {delivery_id: due})


def bury(pipe, delivery_id, now):
    """(In a pipeline) a dead letter: kept in hooks:dead until replayed."""
    release(pipe, delivery_id)
    pipe.zadd(DEAD, {delivery_id: now})

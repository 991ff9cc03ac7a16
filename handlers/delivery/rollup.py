"""An event's status from its deliveries (docs/admin-api.md "Events").

All succeeded -> completed; all dead -> failed; some of each and none still open ->
partially_failed; any pending, retrying or paused (open, not final) -> routed. Called
whenever a delivery ends.
An event still `received` is left alone: routing has not finished creating deliveries,
and it rolls the event up itself once it has.

`rollup_event` reads and writes in one Lua call (the rule of `event_status_for`, in Lua):
one round trip instead of four, and no other worker's change can fall between the read
and the write. The script reads the delivery hashes named in the event's set, so it
needs one Redis (not a cluster), as everything here does.
"""
from handlers.store import scripts
from handlers.store.codec import iso, now
from handlers.store.deliveries import delivery_key
from handlers.store.events import deliveries_key, event_key
from handlers.store.stats import STATS_TTL_SECONDS, events_stats_key, minute_of

FINAL_DELIVERY_STATUSES = ("succeeded", "dead")
ROLLED_UP_EVENT_STATUSES = ("routed", "completed", "partially_failed", "failed")


def event_status_for(delivery_statuses):
    """The event status implied by its deliveries' statuses; None when it has none."""
    statuses = list(delivery_statuses)
    if not statuses:
        return None
    if any(status not in FINAL_DELIVERY_STATUSES for status in statuses):
        return "routed"
    if all(status == "succeeded" for status in statuses):
        return "completed"
    if all(status == "dead" for status in statuses):
        return "failed"
    return "partially_failed"


# KEYS: event hash, its deliveries set, this minute's event counters. ARGV: delivery key
# prefix, updated_at, the counters' TTL, the rolled-up statuses. Returns the event's
# status after the call (nil: no such event); a change of status is counted.
_ROLLUP = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return nil end
local rolled_up = false
for i = 4, #ARGV do
  if ARGV[i] == current then rolled_up = true end
end
if not rolled_up then return current end
local open, succeeded, dead = false, false, false
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local status = redis.call('HGET', ARGV[1] .. id, 'status')
  if status == 'succeeded' then succeeded = true
  elseif status == 'dead' then dead = true
  elseif status then open = true end
end
local status
if open then status = 'routed'
elseif succeeded and dead then status = 'partially_failed'
elseif succeeded then status = 'completed'
elseif dead then status = 'failed'
else return current end
if status ~= current then
  redis.call('HSET', KEYS[1], 'status', status, 'updated_at', ARGV[2])
  redis.call('HINCRBY', KEYS[3], status, 1)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return status
"""


def rollup_event(redis_client, event_id):
    """Recompute and store the event's status; returns the status it now has (or None)."""
    moment = now()
    keys = [event_key(event_id), deliveries_key(event_id), events_stats_key(minute_of(moment))]
    args = [delivery_key(""), iso(moment), STATS_TTL_SECONDS, *ROLLED_UP_EVENT_STATUSES]
    return scripts.run(redis_client, _ROLLUP, keys, args)

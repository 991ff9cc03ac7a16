"""Every Redis key this service writes, in one place.

Events:      hooks:event:<id>                hash (id, source, name, received_at, payload,
                                             headers, status, dedupe_key, ...)
             hooks:events                    sorted set of event ids by received_at
             hooks:event:<id>:deliveries     set of delivery ids
             hooks:dedupe:<source>:<key>     string: the first event's id (24 h)
             hooks:events:entity:<entity>    sorted set: event ids by received_at, per record id
                                             (e.g. booking:933894; handlers/store/entities.py)
Deliveries:  hooks:delivery:<id>             hash
             hooks:delivery:<id>:attempts    list of JSON attempts
             hooks:retries                   sorted set: delivery id -> due time
             hooks:inflight                  sorted set: delivery id -> lease end
             hooks:dead                      sorted set: delivery id -> time it died
             hooks:delivery:<id>:lease       string: token of the message/run owning the lease
Limits:      hooks:ratelimit:<vendor>        sorted set: request times in the moving window (ms)
             hooks:ratelimit:<vendor>:cooldown  string: no requests until (ms, after a 429)
Steering:    hooks:pauses                    hash: "vendor:<name>" / "route:<id>" -> paused at (delivery/pause.py)
             hooks:breaker:<name>            hash: a circuit breaker, <name> a vendor or http:<host> (delivery/breaker.py)
Console:     hooks:stats:events:<minute>     hash: event status -> count (25 h; store/stats.py)
             hooks:stats:deliveries:<minute> hash: "<vendor>:<outcome>" -> count (25 h)
Sweeper:     hooks:sweep:route:<event id>    string: re-routed recently (expires after the grace)
Admin:       hooks:admin_failures:<client address>  string: wrong admin tokens in the window (60 s)
Alerts:      hooks:alerts:window:<alert>:<signal>:<subject>  hash: one throttle window (count,
                                             first_at, last_at, the first signal's details)
             hooks:alerts:due                sorted set: window member -> the time it closes
             hooks:alerts:outcomes:<vendor>  list: the vendor's last 20 attempts, "1" failed, "0" not
             hooks:alerts:raised             hash: "<signal>:<vendor>" -> time raised (vendor_failing,
                                             backlog; deleted when it clears)
             hooks:alerts:flushing           string: redis-py lock, one flush of due windows at a time
Sandbox:     hooks:sandbox:calls:<vendor>    list of JSON calls a sandbox server answered, newest first
Probe:       hooks:probe:<token>             string: written by the probe.write task (5 min; tasks/probe.py)
"""
PREFIX = "hooks"


def key(*parts):
    return ":".join((PREFIX,) + tuple(str(part) for part in parts))


# The sorted sets of deliveries that several modules read and write (handlers/delivery/leases.py
# keeps them; routing adds the deliveries that die rendering to DEAD_LETTERS).
RETRIES = key("retries")
INFLIGHT = key("inflight")
DEAD_LETTERS = key("dead")

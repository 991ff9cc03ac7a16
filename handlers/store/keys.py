"""Every Redis key this service writes, in one place.

Events:      hooks:event:<id>                hash (id, source, name, received_at, payload,
                                             headers, status, dedupe_key, ...)
             hooks:events                    sorted set of event ids by received_at
             hooks:event:<id>:deliveries     set of delivery ids
             hooks:dedupe:<source>:<key>     string: the first event's id (24 h)
Deliveries:  hooks:delivery:<id>             hash
             hooks:delivery:<id>:attempts    list of JSON attempts
             hooks:retries                   sorted set: delivery id -> due time
             hooks:inflight                  sorted set: delivery id -> lease end
             hooks:dead                      sorted set: delivery id -> time it died
"""
PREFIX = "hooks"


def key(*parts):
    return ":".join((PREFIX,) + tuple(str(part) for part in parts))

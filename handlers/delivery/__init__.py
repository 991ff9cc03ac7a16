"""The delivery engine: run one delivery attempt, decide what happens next, and keep
every delivery moving (retries, leases, sweeps, replays) until it succeeds or is dead.

Modules: schedule (when to retry), ratelimit (per-vendor limits across workers),
leases (the Redis sorted sets hooks:inflight / hooks:retries / hooks:dead), verdict
(an attempt's outcome; secrets come out via handlers.redact), deliver (one attempt),
requeue (scheduler and sweeper), replay, rollup (event status from its deliveries).
Its timing settings are typed in app.config (handlers/settings.py).
"""

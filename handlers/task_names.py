"""Every Celery task name, in one place.

The names are explicit and stable: a message queued under a name must still
find its task after a module is renamed. Handlers send tasks by these names and the
tasks/ modules register under them; this module imports nothing, so a handler can name
a task without importing Celery tasks.
"""
ROUTE_EVENT = "routing.route_event"  # [event_id]
DELIVER = "delivery.deliver"  # [delivery_id, lease token or none]
REQUEUE_DUE = "maintenance.requeue_due"  # [now_ts?]
SWEEP = "maintenance.sweep"  # [now_ts?]
ENFORCE_RETENTION = "maintenance.enforce_retention"  # [now_ts?]
PROBE_WRITE = "probe.write"  # [token, value]
PROBE_NOOP = "probe.noop"  # []
ALERTS_TICK = "alerts.tick"  # []

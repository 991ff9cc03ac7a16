"""Timing settings of the delivery engine, read from app.config (defaults in handlers.settings)."""
from handlers.settings import parse_retry_schedule

DEFAULT_SECONDS = {
    # A running attempt's claim on its delivery; above the task hard time limit (28 s).
    "DELIVERY_LEASE_SECONDS": 60.0,
    # How long an event may stay `received` (stored, not routed) before the sweeper routes it again.
    "ROUTING_GRACE_SECONDS": 60.0,
    # How long a delivery released for a reserved rate-limit slot may wait for it to free
    # (it is released dispatch.LEAD_SECONDS early); anyone else is parked, never sleeps.
    "RATE_LIMIT_MAX_WAIT_SECONDS": 0.5,
}


def seconds(config, name):
    """A timing setting as float seconds (config values may be strings from the environment)."""
    value = config.get(name)
    if value in (None, ""):
        return DEFAULT_SECONDS[name]
    number = float(value)
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


def retry_schedule(config):
    """RETRY_SCHEDULE as a list of seconds (a test config may give the text form)."""
    value = config.get("RETRY_SCHEDULE")
    return parse_retry_schedule(value) if isinstance(value, str) else list(value)

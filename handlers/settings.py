"""Configuration from the environment (docs/operations.md "Configuration")."""
import os

DEFAULTS = {
    "REDIS_URL": None,  # None -> the embedded Redis under var/
    "ROUTES_FILE": "routes.yaml",
    "PUBLIC_BASE_URL": "http://localhost:5000",
    "ADMIN_TOKEN": None,
    "SECRET_KEY": None,  # signs the console's session cookie; the console is off without it
    "FOXOMS_API_TOKEN": None,
    "FOXOMS_BASE_URL": "https://api.foxoms.com/v1",
    "ITGLUE_API_KEY": None,
    "ITGLUE_BASE_URL": "https://api.itglue.com",
    "FIWIT_API_KEY": None,
    "FIWIT_BASE_URL": "https://www.fiwit.io",
    "FOXTAG_API_KEY": None,
    "FOXTAG_BASE_URL": "https://api.foxtag.io/api/v1/public",
    "ACCUTICS_TOKEN": None,
    "ACCUTICS_BASE_URL": None,
    "FOXOMS_RATE_LIMIT": "1/second",
    "ITGLUE_RATE_LIMIT": "3000/5 minutes",
    "FIWIT_RATE_LIMIT": None,
    "FOXTAG_RATE_LIMIT": None,
    "ACCUTICS_RATE_LIMIT": None,
    "HTTP_RATE_LIMIT": None,
    "RETRY_SCHEDULE": "5,300,1800,7200,18000,36000,36000",
    "MAX_BODY_BYTES": "1048576",
    "EVENT_RETENTION_DAYS": "14",
    "SECRET_KEY": None,
    "VENDOR_SANDBOX": "false",  # `make run` sets true: vendors without credentials use the sandbox
    "SANDBOX_VENDORS": None,  # set by handlers/sandbox/run.py: the vendors it serves
    # Operational knobs, documented with the rest in docs/operations.md.
    "HTTP_ALLOW_PRIVATE": "false",  # http.post to loopback/private addresses
    "EMBEDDED_REDIS_DIR": "var",
    "METRICS_TOKEN": None,  # set -> GET /metrics requires it as a bearer token
    # Delivery engine timing (handlers/delivery/knobs.py), seconds.
    "DELIVERY_LEASE_SECONDS": "60",  # a running attempt's claim; the sweeper re-sends after it runs out
    "ROUTING_GRACE_SECONDS": "60",  # an event still `received` this long after arrival is routed again
    "RATE_LIMIT_MAX_WAIT_SECONDS": "0.5",  # longest a released delivery waits for its reserved rate-limit slot
    "BREAKER_FAILURES": "10",  # consecutive retryable failures that open a vendor's (or host's) circuit breaker
    "BREAKER_OPEN_SECONDS": "60",  # its first open period; doubles while probes fail, at most 15 min
}

INTEGER_KEYS = ("MAX_BODY_BYTES", "EVENT_RETENTION_DAYS")


def parse_retry_schedule(text):
    """'5,300,1800' -> [5.0, 300.0, 1800.0] (seconds between attempts)."""
    delays = [float(part) for part in str(text).split(",") if part.strip()]
    if any(delay < 0 for delay in delays):
        raise ValueError("RETRY_SCHEDULE holds a negative delay")
    return delays


def parse_bool(text):
    return str(text).strip().lower() in ("1", "true", "yes", "on")


def from_environment(environ=None):
    """Every setting, read from the environment with the documented defaults."""
    environ = os.environ if environ is None else environ
    config = {}
    for key, default in DEFAULTS.items():
        value = environ.get(key)
        config[key] = default if value in (None, "") else value
    for key in INTEGER_KEYS:
        config[key] = int(config[key])
    config["RETRY_SCHEDULE"] = parse_retry_schedule(config["RETRY_SCHEDULE"])
    config["HTTP_ALLOW_PRIVATE"] = parse_bool(config["HTTP_ALLOW_PRIVATE"])
    return config

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
    "VENDOR_SANDBOX": "false",  # `make run` sets true: vendors without credentials use the sandbox
    "SANDBOX_VENDORS": None,  # set by handlers/sandbox/run.py: the vendors it serves
    # Operational knobs, documented with the rest in docs/operations.md.
    "HTTP_ALLOW_PRIVATE": "false",  # http.post to loopback/private addresses
    "EMBEDDED_REDIS_DIR": "var",
    "METRICS_TOKEN": None,  # set -> GET /metrics requires it as a bearer token
    # Delivery engine timing, seconds (every *_SECONDS setting is read as float seconds).
    # A running attempt's claim on its delivery; above the task hard time limit (28 s);
    # the sweeper re-sends a delivery whose claim ran out.
    "DELIVERY_LEASE_SECONDS": "60",
    # An event still `received` (stored, not routed) this long after arrival is routed again.
    "ROUTING_GRACE_SECONDS": "60",
    # Longest a delivery released for a reserved rate-limit slot waits for it to free (it is
    # released dispatch.LEAD_SECONDS early); anyone else is parked, never sleeps.
    "RATE_LIMIT_MAX_WAIT_SECONDS": "0.5",
    "BREAKER_FAILURES": "10",  # consecutive retryable failures that open a vendor's (or host's) circuit breaker
    "BREAKER_OPEN_SECONDS": "60",  # its first open period; doubles while probes fail, at most 15 min
}


class SettingsError(ValueError):
    """Settings that cannot be used: names each variable and what it must be, never its value."""


def parse_retry_schedule(text):
    """'5,300,1800' -> [5.0, 300.0, 1800.0] (seconds between attempts); '' -> [] (no retries).
    A test config may give the list itself."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    delays = [float(part) for part in parts if str(part).strip()]
    if not all(delay >= 0 for delay in delays):  # also refuses nan
        raise ValueError("RETRY_SCHEDULE holds a negative delay")
    return delays


def parse_seconds(value):
    number = float(value)
    if not number >= 0:  # also refuses nan
        raise ValueError("negative")
    return number


def parse_count(value):
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError("not a whole number")
    return int(value)


def parse_bool(text):
    return str(text).strip().lower() in ("1", "true", "yes", "on")


# The typed settings: key -> (parser, what the value must be). Every *_SECONDS setting of
# DEFAULTS is read by parse_seconds (see parser_for); anything else stays as given.
PARSERS = {
    "RETRY_SCHEDULE": (parse_retry_schedule, "comma-separated seconds, none negative"),
    "MAX_BODY_BYTES": (parse_count, "a whole number of bytes"),
    "EVENT_RETENTION_DAYS": (parse_count, "a whole number of days"),
    "HTTP_ALLOW_PRIVATE": (parse_bool, "true or false"),
    "BREAKER_FAILURES": (parse_count, "a whole number of failures"),
}
SECONDS = (parse_seconds, "a number of seconds, not negative")


def parser_for(key):
    """(parser, what it needs) for a typed setting, else None."""
    return PARSERS.get(key) or (SECONDS if key.endswith("_SECONDS") and key in DEFAULTS else None)


def typed(config):
    """A copy of `config` with every typed setting parsed (text from the environment, or a
    test config's text or typed values). SettingsError names every bad one, not its value
    (the parsers' own messages, which may quote it, are never shown)."""
    parsed, problems = dict(config), []
    for key, value in config.items():
        rule = parser_for(key)
        if rule is None or value is None:
            continue
        try:
            parsed[key] = rule[0](value)
        except (TypeError, ValueError):
            problems.append(f"{key} must be {rule[1]}")
    if problems:
        raise SettingsError("unusable settings: " + "; ".join(problems))
    return parsed


def from_environment(environ=None):
    """Every setting, read once from the environment with the documented defaults, typed."""
    environ = os.environ if environ is None else environ
    config = {}
    for key, default in DEFAULTS.items():
        value = environ.get(key)
        config[key] = default if value in (None, "") else value
    return typed(config)

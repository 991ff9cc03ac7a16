"""Bearer ADMIN_TOKEN for /api/*: compared in constant time; unset → every call is 401.

Wrong tokens are throttled per client (remote address): each failure counts in a Redis
key shared by every web worker, a fixed window of FAILURE_WINDOW_SECONDS opened by the
first failure (one MULTI: SET NX EX, INCR, TTL). Past MAX_FAILURES_PER_WINDOW failures the
answer is 429 with Retry-After (the seconds left in the window) instead of 401. The right
token is checked first and never reads the counter, so an attacker cannot lock the
operator out. If Redis cannot count, a wrong token is still 401.
"""
from functools import wraps

import redis
from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from handlers.bearer import bearer_matches
from handlers.errors import ServiceError
from handlers.store.keys import key

MAX_FAILURES_PER_WINDOW = 20
FAILURE_WINDOW_SECONDS = 60


class AdminUnauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def failures_key(client_address):
    return key("admin_failures", client_address)


def count_failure(redis_client, client_address):
    """Count one failure; (failures in the current window, seconds the window has left)."""
    name = failures_key(client_address)
    pipe = redis_client.pipeline(transaction=True)
    pipe.set(name, 0, ex=FAILURE_WINDOW_SECONDS, nx=True)
    pipe.incr(name)
    pipe.ttl(name)
    _, failures, seconds_left = pipe.execute()
    return failures, max(seconds_left, 1)


def throttle_wrong_token():
    """Count a wrong admin token from this client (API or console login): the seconds it
    must wait when it is past its budget, else None."""
    try:
        failures, seconds_left = count_failure(current_app.extensions["redis"], request.remote_addr or "unknown")
    except (redis.RedisError, OSError):
        return None
    return seconds_left if failures > MAX_FAILURES_PER_WINDOW else None


def refuse_wrong_token():
    """AdminUnauthorized (401), or TooManyRequests (429) past the client's failure budget."""
    seconds_left = throttle_wrong_token()
    if seconds_left is not None:
        raise TooManyRequests(
            f"too many wrong admin tokens from this client: retry in {seconds_left} s", retry_after=seconds_left
        )
    raise AdminUnauthorized("missing or wrong admin bearer token")


def check_admin_token():
    expected = current_app.config.get("ADMIN_TOKEN")
    if not expected:
        raise AdminUnauthorized("the admin API is disabled: ADMIN_TOKEN is not set")
    if not bearer_matches(request.headers.get("Authorization"), expected):
        refuse_wrong_token()


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        check_admin_token()
        return view(*args, **kwargs)

    return wrapper

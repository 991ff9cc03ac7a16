"""Bearer ADMIN_TOKEN for /api/*: compared in constant time; unset → every call is 401."""
import hmac
from functools import wraps

from flask import current_app, request

from handlers.errors import ServiceError


class AdminUnauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def check_admin_token():
    expected = current_app.config.get("ADMIN_TOKEN")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not expected:
        raise AdminUnauthorized("the admin API is disabled: ADMIN_TOKEN is not set")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise AdminUnauthorized("missing or wrong admin bearer token")


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        check_admin_token()
        return view(*args, **kwargs)

    return wrapper

"""Console login: ADMIN_TOKEN in, a signed session cookie out; CSRF on every form.

The cookie (Flask's session, signed with SECRET_KEY) is HttpOnly, SameSite=Strict, scoped
to /console, and Secure when PUBLIC_BASE_URL is https. It holds a fingerprint of the
ADMIN_TOKEN it was opened with (an HMAC under SECRET_KEY, never the token), so rotating
the token logs every session out, and the login time, so a session ends SESSION_LIFETIME
after login however active it is. Forms carry Flask-WTF's CSRF token (generate_csrf /
validate_csrf, without the global CSRFProtect, which would refuse the webhook POSTs).
"""
import hashlib
import hmac
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from handlers.console.blueprint import blueprint
from handlers.errors import ServiceError
from handlers.web.admin_auth import throttle_wrong_token

SESSION_LIFETIME = timedelta(hours=12)
PUBLIC_ENDPOINTS = ("console.login", "console.static")


class CsrfRefused(ServiceError):
    status = 400
    code = "csrf_refused"


class ConsoleDisabled(ServiceError):
    status = 503
    code = "console_disabled"


def configure(app):
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_PATH"] = "/console"
    app.config["SESSION_COOKIE_SECURE"] = str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://")
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME


def token_fingerprint(token):
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"console-admin:" + token.encode(), hashlib.sha256).hexdigest()


def logged_in():
    token = current_app.config.get("ADMIN_TOKEN")
    fingerprint = session.get("admin")
    since = session.get("since")
    if not token or not isinstance(fingerprint, str) or not isinstance(since, (int, float)):
        return False
    if time.time() - since > SESSION_LIFETIME.total_seconds():
        return False
    return hmac.compare_digest(fingerprint, token_fingerprint(token))


def require_csrf():
    """Refuse (400) a form post without this session's CSRF token; nothing is changed."""
    try:
        validate_csrf(request.form.get("csrf_token"), time_limit=int(SESSION_LIFETIME.total_seconds()))
    except ValidationError as exc:
        raise CsrfRefused(f"the form was refused: {exc.args[0] if exc.args else 'bad CSRF token'}. "
                          "Reload the page and try again.") from None


def csrf_protected(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        require_csrf()
        return view(*args, **kwargs)

    return wrapper


@blueprint.before_request
def gate():
    if not current_app.config.get("SECRET_KEY"):
        raise ConsoleDisabled("The console is off: set SECRET_KEY (a long random value) to sign its sessions.")
    if not current_app.config.get("ADMIN_TOKEN"):
        raise ConsoleDisabled("The console is off: set ADMIN_TOKEN; you log in with it.")
    if request.endpoint in PUBLIC_ENDPOINTS or logged_in():
        return None
    session.pop("admin", None)
    return redirect(url_for("console.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


@blueprint.app_context_processor
def csrf_in_templates():
    return {"csrf_token": generate_csrf}


def safe_next(target):
    """Only a path inside the console: never an open redirect."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console") or target.startswith("//"):
        return url_for("console.overview")
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("console/login.html", next=request.args.get("next", ""))
    require_csrf()
    given = request.form.get("token", "")
    expected = current_app.config["ADMIN_TOKEN"]
    if not hmac.compare_digest(given.encode(), expected.encode()):
        current_app.logger.warning("console: wrong admin token from %s", request.remote_addr)
        wait = throttle_wrong_token()  # the admin API's budget: 20 wrong tokens a minute a client
        if wait is not None:
            return render_template("console/login.html", next=request.form.get("next", ""),
                                   error=f"Too many wrong tokens from here: try again in {wait} s."), 429, \
                {"Retry-After": str(wait)}
        return render_template("console/login.html", next=request.form.get("next", ""),
                               error="That is not the admin token."), 401
    session.clear()
    session.permanent = True
    session["admin"] = token_fingerprint(expected)
    session["since"] = time.time()
    return redirect(safe_next(request.form.get("next")))


@blueprint.post("/logout")
@csrf_protected
def logout():
    session.clear()
    return redirect(url_for("console.login"))

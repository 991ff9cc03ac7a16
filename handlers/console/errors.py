"""The console's errors as HTML pages with the right status (never a stack trace).

Unknown ids (404), malformed filters and cursors (422), refused forms (400), a console
that is not configured (503) and anything unexpected (500, logged) all render
console/error.html. A URL under /console that matches no page is a 404 page too.
"""
import redis
from flask import current_app, render_template
from werkzeug.exceptions import HTTPException, NotFound

from handlers.console.auth import logged_in
from handlers.console.blueprint import blueprint
from handlers.errors import ServiceError


def error_page(status, title, message, fields=None):
    return render_template("console/error.html", status=status, title=title, message=message,
                           fields=fields or {}, show_nav=status != 503 and logged_in()), status


@blueprint.errorhandler(ServiceError)
def service_error(exc):
    return error_page(exc.status, exc.code.replace("_", " "), exc.message, exc.fields)


@blueprint.errorhandler(HTTPException)
def http_error(exc):
    return error_page(exc.code, exc.name, exc.description)


@blueprint.errorhandler(redis.RedisError)
def redis_error(exc):
    current_app.logger.error("console: Redis is not answering (%s)", type(exc).__name__)
    return error_page(503, "unavailable", "Redis is not answering; try again in a moment.")


@blueprint.errorhandler(Exception)
def unexpected_error(exc):
    current_app.logger.exception("console: unhandled error")
    return error_page(500, "internal error", "Something went wrong on our side; the details are in the logs.")


@blueprint.route("/<path:unknown>", methods=["GET", "POST"])
def unknown_page(unknown):
    raise NotFound("There is no such console page.")

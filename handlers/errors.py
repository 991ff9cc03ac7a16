"""Errors and their one JSON shape: {"error": {"code", "message", "fields"?}}."""
import redis
from flask import jsonify
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    status = 500
    code = "internal_error"

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message = message
        self.fields = fields


class ServiceUnavailable(ServiceError):
    status = 503
    code = "unavailable"


class InvalidJSON(ServiceError):
    """A body that is not the JSON asked for: an inbound hook's, or an admin request's
    (never guessed at: a replay filter that fails to parse must not become "replay everything")."""

    status = 400
    code = "invalid_json"


class RulesUnavailable(ServiceUnavailable):
    """The routes file did not load: hooks answer 503, the routing task waits for a fix."""

    code = "rules_unavailable"


def error_response(status, code, message, fields=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def _http_code(exc):
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def init_app(app):
    @app.errorhandler(ServiceError)
    def handle_service_error(exc):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc):
        response = error_response(exc.code, _http_code(exc), exc.description)
        for header, value in exc.get_headers():
            if header.lower() not in ("content-type", "content-length"):
                response.headers[header] = value
        return response

    @app.errorhandler(redis.RedisError)
    def handle_redis_error(exc):
        # Any view that finds Redis gone (admin API, CLI-backed views): the caller retries.
        app.logger.warning("Redis unavailable: %s", type(exc).__name__)
        return error_response(503, "redis_unavailable", "the store (Redis) is unavailable; try again")

    @app.errorhandler(Exception)
    def handle_unexpected(exc):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal server error")

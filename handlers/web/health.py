"""GET /healthz (the process answers) and GET /readyz (Redis, the rules and the rate-limit settings are ready)."""
import redis
from flask import Blueprint, current_app, jsonify

from handlers.delivery.ratelimit import limit_setting_problems
from handlers.sandbox.status import readiness_warnings

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():
    reasons = []
    try:
        current_app.extensions["redis"].ping()
    except (redis.RedisError, OSError) as exc:
        reasons.append(f"redis: not answering PING ({type(exc).__name__})")
    rules_error = current_app.extensions.get("rules_error")
    if rules_error is not None:
        reasons.extend(f"rules: {problem}" for problem in rules_error.problems)
    elif current_app.extensions.get("rules") is None:
        reasons.append("rules: not loaded")
    reasons.extend(f"config: {problem}" for problem in limit_setting_problems(current_app.config))
    if reasons:
        response = jsonify(status="unavailable", reasons=reasons, warnings=readiness_warnings(current_app))
        response.status_code = 503
        return response
    return jsonify(status="ready", warnings=readiness_warnings(current_app))


def init_app(app):
    app.register_blueprint(blueprint)

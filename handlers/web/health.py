"""GET /healthz (the process answers) and GET /readyz (Redis, the rules and the rate-limit settings are ready).

/readyz is unauthenticated: it names what is wrong, never the rules' contents (their
problems can quote the file, tokens included): those go to the logs, `flask routes check`
and GET /api/routes.
"""
import redis
from flask import Blueprint, current_app, jsonify

from handlers.admin.steering import steering_warnings
from handlers.delivery.ratelimit import limit_setting_problems
from handlers.redis_health import readiness
from handlers.sandbox.status import readiness_warnings

blueprint = Blueprint("health", __name__)
RULES_NOT_USABLE = "rules: the routes file is not usable (details: the logs, `./hooks routes check`, GET /api/routes)"


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():
    reasons, warnings = [], []
    try:
        reasons, warnings = readiness(current_app.extensions["redis"])
        warnings = warnings + steering_warnings(current_app.extensions["redis"])
    except (redis.RedisError, OSError) as exc:
        reasons.append(f"redis: not answering ({type(exc).__name__})")
    if current_app.extensions.get("rules") is None:
        reasons.append(RULES_NOT_USABLE)
    reasons.extend(f"config: {problem}" for problem in limit_setting_problems(current_app.config))
    if reasons:
        response = jsonify(status="unavailable", reasons=reasons, warnings=warnings + readiness_warnings(current_app))
        response.status_code = 503
        return response
    return jsonify(status="ready", warnings=warnings + readiness_warnings(current_app))


def init_app(app):
    app.register_blueprint(blueprint)

"""GET /api/routes (the loaded rules, secrets hidden) and POST /api/routes/explain."""
from flask import Blueprint, current_app, jsonify, request

from handlers.errors import ServiceError, ServiceUnavailable
from handlers.routing.explain import explain, stored_payload
from handlers.routing.listing import public_rules
from handlers.web.admin_auth import admin_required

blueprint = Blueprint("routes_api", __name__, url_prefix="/api/routes")


class InvalidExplainRequest(ServiceError):
    status = 422
    code = "invalid_request"


def loaded_rules():
    rules = current_app.extensions.get("rules")
    if rules is None:
        error = current_app.extensions.get("rules_error")
        raise ServiceUnavailable("routes file is not usable", {"rules": list(getattr(error, "problems", []))})
    return rules


@blueprint.get("")
@admin_required
def list_routes():
    return jsonify(public_rules(loaded_rules(), current_app.config))


@blueprint.post("/explain")
@admin_required
def explain_event():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidExplainRequest("the body must be a JSON object {source, event, payload}")
    problems = {}
    for name in ("source", "event"):
        if not isinstance(body.get(name), str) or not body.get(name):
            problems[name] = ["a non-empty string is required"]
    if not isinstance(body.get("payload"), dict):
        problems["payload"] = ["a JSON object is required"]
    if problems:
        raise InvalidExplainRequest("the explain request is not valid", problems)
    rules = loaded_rules()
    payload = stored_payload(rules, body["source"], body["payload"])
    return jsonify(explain(rules, body["source"], body["event"], payload, current_app.config))


def init_app(app):
    app.register_blueprint(blueprint)

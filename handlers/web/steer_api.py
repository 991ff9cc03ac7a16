"""POST /api/vendors/<vendor>/pause|resume, POST /api/routes/<route_id>/pause|resume, and
GET /api/vendors (each vendor's limit, breaker, pause and sandbox state; the http.post
hosts' breakers; the paused routes)."""
from flask import Blueprint, current_app, jsonify

from handlers.admin.steering import host_breakers, pause_target, resume_target
from handlers.console.live import vendor_states
from handlers.delivery.pause import pauses
from handlers.web.admin_auth import admin_required

blueprint = Blueprint("steer_api", __name__, url_prefix="/api")


@blueprint.get("/vendors")
@admin_required
def vendors_index():
    redis_client = current_app.extensions["redis"]
    rows = [{"vendor": row["vendor"],
             "limit": {"requests": row["limit"][0], "per_seconds": row["limit"][1]} if row["limit"] else None,
             "limit_problem": row["limit_problem"], "used": row["used"], "cooldown_seconds": row["cooldown_seconds"],
             "has_credential": row["has_credential"], "sandboxed": row["sandboxed"],
             "paused": row["paused"], "paused_at": row["paused_at"], "paused_waiting": row["paused_waiting"],
             "breaker": row["breaker"]}
            for row in vendor_states(redis_client, current_app.config)]
    routes = [{"route": row["name"], "paused_at": row["paused_at"], "waiting": row["waiting"]}
              for row in pauses(redis_client) if row["kind"] == "route"]
    return jsonify(vendors=rows, http_hosts=host_breakers(redis_client), paused_routes=routes)


@blueprint.post("/vendors/<vendor>/pause")
@admin_required
def vendor_pause(vendor):
    return jsonify(pause_target(current_app, "vendor", vendor))


@blueprint.post("/vendors/<vendor>/resume")
@admin_required
def vendor_resume(vendor):
    return jsonify(resume_target(current_app, "vendor", vendor))


@blueprint.post("/routes/<route_id>/pause")
@admin_required
def route_pause(route_id):
    return jsonify(pause_target(current_app, "route", route_id))


@blueprint.post("/routes/<route_id>/resume")
@admin_required
def route_resume(route_id):
    return jsonify(resume_target(current_app, "route", route_id))


def init_app(app):
    app.register_blueprint(blueprint)

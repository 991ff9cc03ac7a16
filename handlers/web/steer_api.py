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


STEER_KINDS = {"vendors": "vendor", "routes": "route"}
STEER_ACTIONS = {"pause": pause_target, "resume": resume_target}


@blueprint.post("/<any(vendors, routes):kinds>/<name>/<any(pause, resume):action>")
@admin_required
def steer(kinds, name, action):
    """POST /api/vendors/<vendor>/pause|resume and /api/routes/<route_id>/pause|resume."""
    return jsonify(STEER_ACTIONS[action](current_app, STEER_KINDS[kinds], name))


def init_app(app):
    app.register_blueprint(blueprint)

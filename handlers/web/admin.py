"""The admin API (/api/events, /api/dead-letters): thin views, every one behind the token."""
from flask import Blueprint, current_app, jsonify, request

from handlers.admin import params
from handlers.admin.ids import require_replay_ids
from handlers.admin.queries import event_detail, list_dead_letters, list_events
from handlers.admin.replay import replay_dead_letters, replay_event
from handlers.redact import app_secrets
from handlers.web.admin_auth import admin_required

blueprint = Blueprint("admin", __name__, url_prefix="/api")


def _redis():
    return current_app.extensions["redis"]


def _celery():
    return current_app.extensions["celery"]


def _secrets():
    return app_secrets(current_app)


@blueprint.get("/events")
@admin_required
def events_index():
    query = params.load(params.event_list_schema, request.args)
    return jsonify(list_events(_redis(), **query))


@blueprint.get("/events/<event_id>")
@admin_required
def events_show(event_id):
    return jsonify(event_detail(_redis(), event_id, secrets=_secrets()))


@blueprint.post("/events/<event_id>/replay")
@admin_required
def events_replay(event_id):
    query = params.load(params.replay_schema, request.args)
    require_replay_ids(event_id, query["delivery"])
    queued = replay_event(_redis(), _celery(), event_id, query["delivery"], current_app.extensions["rules"],
                          config=current_app.config)
    return jsonify(queued=queued), 202


@blueprint.get("/dead-letters")
@admin_required
def dead_letters_index():
    query = params.load(params.dead_letter_list_schema, request.args)
    return jsonify(list_dead_letters(_redis(), **query, secrets=_secrets()))


@blueprint.post("/dead-letters/replay")
@admin_required
def dead_letters_replay():
    query = params.load(params.dead_letter_filter_schema, request.args, params.json_object(request.get_data()))
    return jsonify(replay_dead_letters(_redis(), _celery(), **query, rules=current_app.extensions["rules"],
                                       config=current_app.config)), 202


def init_app(app):
    app.register_blueprint(blueprint)

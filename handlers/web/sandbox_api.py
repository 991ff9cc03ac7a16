"""GET /api/sandbox/calls?vendor=&limit=: what the sandbox servers were sent (newest first)."""
from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, fields, validate

from handlers.admin import params
from handlers.sandbox.calls import recent_calls
from handlers.sandbox.vendors import SANDBOXES, sandboxed_vendors
from handlers.web.admin_auth import admin_required

blueprint = Blueprint("sandbox_api", __name__, url_prefix="/api/sandbox")


class CallListSchema(Schema):
    vendor = fields.String(load_default=None, validate=validate.OneOf(list(SANDBOXES)))
    limit = fields.Integer(load_default=params.DEFAULT_LIMIT, validate=validate.Range(min=1, max=params.MAX_LIMIT))


call_list_schema = CallListSchema()


@blueprint.get("/calls")
@admin_required
def calls_index():
    query = params.load(call_list_schema, request.args)
    vendors = [query["vendor"]] if query["vendor"] else list(SANDBOXES)
    calls = recent_calls(current_app.extensions["redis"], vendors, query["limit"])
    return jsonify(sandboxed=sandboxed_vendors(current_app.config), calls=calls)


def init_app(app):
    app.register_blueprint(blueprint)

"""GET /metrics in the Prometheus text format.

Open to scrapers by default (like /healthz); when METRICS_TOKEN is set it requires
`Authorization: Bearer $METRICS_TOKEN` (compared in constant time).
"""
from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from handlers.admin.gauges import render_metrics
from handlers.bearer import bearer_matches
from handlers.errors import ServiceError

blueprint = Blueprint("metrics", __name__)


class MetricsUnauthorized(ServiceError):
    status = 401
    code = "unauthorized"


def check_metrics_token():
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        return
    if not bearer_matches(request.headers.get("Authorization"), expected):
        raise MetricsUnauthorized("missing or wrong metrics bearer token")


@blueprint.get("/metrics")
def metrics():
    check_metrics_token()
    return Response(render_metrics(current_app.extensions["redis"]), content_type=CONTENT_TYPE_LATEST)


def init_app(app):
    app.register_blueprint(blueprint)

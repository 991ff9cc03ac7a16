"""The Flask app factory. Nothing is created at import time."""
import logging

from flask import Flask

from handlers import console, errors, settings
from handlers.delivery.ratelimit import limit_setting_problems
from handlers.redact import install_log_filters, redact_url
from handlers.redis_client import client_from_url, resolve_url
from handlers.rules import RulesError, load_rules
from handlers.inbound import accept as inbound_accept
from handlers.cli import admin as admin_cli, foxoms as foxoms_cli, routes as routes_cli, send as send_cli
from handlers.cli import sandbox as sandbox_cli, steer as steer_cli
from handlers.web import admin as admin_api, health, hooks, metrics as metrics_view, routes_api
from handlers.web import sandbox_api, steer_api
from tasks import celery_init_app, celery_settings


def create_app(test_config=None):
    app = Flask(__name__)
    app.url_map.merge_slashes = False  # a `//` in a path is 404, never a 308 to another path
    app.config.from_mapping(settings.from_environment())
    app.json.sort_keys = False
    if test_config:
        app.config.from_mapping(settings.typed(test_config))  # strings or typed values, parsed alike
    redis_url = resolve_url(app.config)
    app.config["REDIS_URL_RESOLVED"] = redis_url
    app.config.setdefault("CELERY", celery_settings(redis_url))
    app.extensions["redis"] = client_from_url(redis_url)
    load_rules_into(app)
    _configure_logging(app)
    install_log_filters()  # urllib3's debug lines lose their query strings (${VAR} values)

    errors.init_app(app)
    health.init_app(app)
    hooks.init_app(app)
    routes_api.init_app(app)
    routes_cli.init_app(app)
    foxoms_cli.init_app(app)
    send_cli.init_app(app)
    admin_api.init_app(app)
    metrics_view.init_app(app)
    admin_cli.init_app(app)
    sandbox_api.init_app(app)
    sandbox_cli.init_app(app)
    steer_cli.init_app(app)
    steer_api.init_app(app)
    console.init_app(app)
    celery_init_app(app)
    inbound_accept.init_app(app)
    for problem in limit_setting_problems(app.config):
        app.logger.error("%s (deliveries to that vendor fail until it is fixed; /readyz answers 503)", problem)
    app.logger.info("using Redis at %s", redact_url(redis_url))
    return app


def load_rules_into(app):
    """Load ROUTES_FILE; a broken file is kept as the reason /readyz gives."""
    app.extensions["rules"] = None
    app.extensions["rules_error"] = None
    try:
        app.extensions["rules"] = load_rules(app.config["ROUTES_FILE"])
    except RulesError as exc:
        app.extensions["rules_error"] = exc
        app.logger.error("routes file %s is not usable: %s", app.config["ROUTES_FILE"], exc)


def _configure_logging(app):
    if not app.debug and not app.testing:
        from flask.logging import default_handler

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app.logger.removeHandler(default_handler)  # the root handler prints it once

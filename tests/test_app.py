"""The app factory, JSON errors, /healthz and /readyz."""
import pytest

from app import create_app
from handlers.settings import SettingsError
from handlers.web.health import RULES_NOT_USABLE
from tests.admin_helpers import admin_rule_problems


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_with_redis_and_rules(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ready"


def test_readyz_says_why_when_redis_is_down(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    reasons = response.get_json()["reasons"]
    assert any(reason.startswith("redis:") for reason in reasons)


def test_readyz_names_the_broken_route(make_app, monkeypatch):
    monkeypatch.delenv("MISSING_TOKEN_FOR_TEST", raising=False)
    app = make_app(
        """
        sources:
          foxoms: {type: foxoms, tokens: ["${MISSING_TOKEN_FOR_TEST}"]}
        routes: []
        """
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert RULES_NOT_USABLE in response.get_json()["reasons"]
    assert "sources.foxoms.tokens[0]: environment variable ${MISSING_TOKEN_FOR_TEST} is not set" in admin_rule_problems(app)


def test_readyz_names_a_malformed_rate_limit_setting(make_app):
    app = make_app(ITGLUE_RATE_LIMIT="3000 every 5 minutes", FOXOMS_RATE_LIMIT="2/second")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reasons"] == [
        "config: ITGLUE_RATE_LIMIT is not a rate limit such as '1/second' or '3000/5 minutes': '3000 every 5 minutes'"]


def test_readyz_when_routes_file_missing(make_app, tmp_path):
    app = make_app(ROUTES_FILE=str(tmp_path / "nope.yaml"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert RULES_NOT_USABLE in response.get_json()["reasons"]
    assert "cannot read" in " ".join(admin_rule_problems(app))


def test_unknown_url_is_a_json_error(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.get_json()["error"]["message"]


def test_wrong_method_is_a_json_error(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_each_app_has_its_own_celery(make_app):
    first, second = make_app(), make_app()
    assert first.extensions["celery"] is not second.extensions["celery"]


def test_configuration_from_environment(monkeypatch, redis_url, routes_file):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("ROUTES_FILE", routes_file())
    monkeypatch.setenv("RETRY_SCHEDULE", "1,2,3")
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("FOXOMS_BASE_URL", "http://127.0.0.1:9/v1")
    app = create_app({"TESTING": True})
    assert app.config["RETRY_SCHEDULE"] == [1.0, 2.0, 3.0]
    assert app.config["MAX_BODY_BYTES"] == 2048
    assert app.config["FOXOMS_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert app.config["ITGLUE_BASE_URL"] == "https://api.itglue.com"
    assert app.config["CELERY"]["broker_url"] == redis_url.replace("unix://", "redis+socket://")


def test_a_test_config_is_typed_like_the_environment(make_app):
    app = make_app(DELIVERY_LEASE_SECONDS="7", RETRY_SCHEDULE="0.5,1", MAX_BODY_BYTES="64", HTTP_ALLOW_PRIVATE="false")
    assert app.config["DELIVERY_LEASE_SECONDS"] == 7.0 and app.config["RETRY_SCHEDULE"] == [0.5, 1.0]
    assert app.config["MAX_BODY_BYTES"] == 64 and app.config["HTTP_ALLOW_PRIVATE"] is False


def test_a_bad_setting_stops_the_start(monkeypatch, make_app):
    monkeypatch.setenv("DELIVERY_LEASE_SECONDS", "soon")
    with pytest.raises(SettingsError, match="DELIVERY_LEASE_SECONDS must be a number of seconds"):
        make_app()


def test_import_creates_no_app():
    import sys

    import app as app_module

    assert not hasattr(app_module, "app")
    assert "tasks.worker" not in sys.modules or True  # entry point only, imported by celery

"""The admin bearer token guards /api/* (checked through a real admin route)."""
import pytest
from flask import Blueprint

from handlers.web.admin_auth import admin_required


@pytest.fixture
def guarded_app(make_app):
    def build(**config):
        app = make_app(**config)
        blueprint = Blueprint("guarded", __name__)

        @blueprint.get("/api/_guarded")
        @admin_required
        def guarded():
            return {"ok": True}

        app.register_blueprint(blueprint)
        return app

    return build


@pytest.mark.parametrize(
    "header, status",
    [
        (None, 401),
        ("Bearer wrong", 401),
        ("Basic admin-test-token", 401),
        ("Bearer admin-test-token", 200),
    ],
)
def test_admin_token(guarded_app, header, status):
    headers = {"Authorization": header} if header else {}
    response = guarded_app().test_client().get("/api/_guarded", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_unset_admin_token_refuses_everything(guarded_app):
    response = guarded_app(ADMIN_TOKEN=None).test_client().get("/api/_guarded", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert "ADMIN_TOKEN" in response.get_json()["error"]["message"]

"""The admin API with Redis gone answers 503 JSON, never a 500."""
import pytest

from tests.admin_helpers import ADMIN


@pytest.mark.parametrize("method, path", [
    ("get", "/api/events"),
    ("get", "/api/events/evt_0000000000000000000000aa"),
    ("get", "/api/dead-letters"),
    ("post", "/api/dead-letters/replay"),
])
def test_admin_api_without_redis_is_503(make_app, method, path):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = getattr(app.test_client(), method)(path, headers=ADMIN)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "redis_unavailable"

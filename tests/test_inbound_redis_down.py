"""Redis unreachable -> 503 and never a 202: a dead address, and a real server stopped
in the middle of a test."""
import pytest

from handlers.embedded_redis import EmbeddedRedis
from handlers.redis_client import client_from_url
from handlers.store.events import EVENTS_INDEX
from tests.hooks_helpers import PLAIN, ROUTES


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", appendonly=False).start()
    yield server
    server.stop()


def test_dead_redis_address_answers_503(make_app):
    client = make_app(ROUTES, REDIS_URL="redis://127.0.0.1:1/0").test_client()
    for n in range(3):
        response = client.post("/hooks/incoming/plain", json={"n": n}, headers=PLAIN)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "store_unavailable"


def test_redis_stopped_mid_test_answers_503_then_recovers(make_app, own_redis):
    client = make_app(ROUTES, REDIS_URL=own_redis.url).test_client()
    first = client.post("/hooks/incoming/plain", json={"n": 1}, headers=PLAIN)
    assert first.status_code == 202
    own_redis.stop()
    for n in range(2, 5):
        response = client.post("/hooks/incoming/plain", json={"n": n}, headers=PLAIN)
        assert response.status_code == 503, response.get_data(as_text=True)
    own_redis.start()
    again = client.post("/hooks/incoming/plain", json={"n": 5}, headers=PLAIN)
    assert again.status_code == 202
    store = client_from_url(own_redis.url)
    assert store.zrange(EVENTS_INDEX, 0, -1) == [again.get_json()["event_id"]]
    assert store.llen("celery") == 1

"""handlers/store/keys.py opens with a map of every Redis key the service writes: after a
real run (a hook posted, routed and delivered by a real worker, a delivery dead, a wrong
admin token, the probe task), every key in Redis is one the map names."""
import re
import uuid

import pytest

from handlers.store import keys
from handlers.task_names import PROBE_WRITE
from tests.helpers import HOOK_ROUTES, wait_for

PLACEHOLDER = re.compile(r"<[^>]+>")


def mapped_patterns():
    """Each `hooks:...` of the map as a regex; a <placeholder> stands for any text (ids hold colons)."""
    names = re.findall(r"hooks:(?:[^\s<]+|<[^>]+>)+", keys.__doc__)
    return [re.compile(".+".join(re.escape(part) for part in PLACEHOLDER.split(name))) for name in names]


def unmapped(redis_client):
    patterns = mapped_patterns()
    return sorted(k for k in redis_client.keys(f"{keys.PREFIX}:*") if not any(p.fullmatch(k) for p in patterns))


@pytest.fixture
def app(make_app, http_sim):
    return make_app(HOOK_ROUTES.format(url=http_sim.origin + "/hook"), HTTP_ALLOW_PRIVATE=True)


def test_the_map_reads_as_patterns():
    patterns = mapped_patterns()
    assert len(patterns) >= 15
    assert any(p.fullmatch("hooks:delivery:evt_1:to-hook:post:attempts") for p in patterns)
    assert not any(p.fullmatch("hooks:unmapped") for p in patterns)


def test_every_key_a_real_run_writes_is_in_the_map(app, client, redis_client, celery_worker, http_sim):
    token = uuid.uuid4().hex
    app.extensions["celery"].send_task(PROBE_WRITE, args=[token, "v"])
    delivered = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": 1, "name": "A"}},
                            headers={"X-Hook-Token": "foxoms-test-token"}).get_json()["event_id"]
    wait_for(lambda: redis_client.hget(keys.key("event", delivered), "status") == "completed", timeout=30,
             message="the first event to be delivered")
    http_sim.answer(400, {"error": "refused"})
    refused = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": 2, "name": "B"}},
                          headers={"X-Hook-Token": "foxoms-test-token"}).get_json()["event_id"]
    wait_for(lambda: redis_client.hget(keys.key("event", refused), "status") == "failed", timeout=30,
             message="the second event's delivery to die")
    assert client.get("/api/events", headers={"Authorization": "Bearer wrong"}).status_code == 401
    wait_for(lambda: redis_client.exists(keys.key("probe", token)), message="the probe task")
    assert redis_client.zcard(keys.DEAD_LETTERS) == 1
    assert unmapped(redis_client) == []

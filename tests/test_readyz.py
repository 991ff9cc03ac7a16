"""GET /readyz on a Redis of its own: 503 for an evicting policy, warnings for no persistence and
memory above 80 %, read from INFO (a Redis that refuses CONFIG or INFO is a warning, not a 503);
and the rules' problems never in the answer (the admin API has them)."""

from handlers.redis_health import FULL_FRACTION, WARN_FRACTION
from handlers.web.health import RULES_NOT_USABLE
from tests.admin_helpers import admin_rule_problems

LEAKY_TOKEN = "tok-0123456789-do-not-show"


def readyz(make_app, server):
    response = make_app(REDIS_URL=server.url).test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_an_evicting_policy_is_not_ready(make_app, own_redis):
    server = own_redis("--appendonly", "yes")
    assert readyz(make_app, server) == (200, {"status": "ready", "warnings": []})
    server.client().config_set("maxmemory-policy", "allkeys-lru")
    status, body = readyz(make_app, server)
    assert status == 503
    assert body["reasons"] == ["redis: maxmemory-policy is allkeys-lru, not noeviction: it evicts accepted events"]


def test_no_persistence_is_a_warning(make_app, own_redis):
    server = own_redis()  # --save "" --appendonly no
    status, body = readyz(make_app, server)
    assert status == 200
    assert body["warnings"] == ["redis: no persistence (no AOF, no RDB save points): a restart loses accepted events"]
    server.client().config_set("save", "3600 1")
    assert readyz(make_app, server) == (200, {"status": "ready", "warnings": []})


def test_memory_above_80_percent_is_a_warning(make_app, own_redis):
    server = own_redis("--appendonly", "yes")
    client = server.client()
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", int(used / ((WARN_FRACTION + FULL_FRACTION) / 2)))
    status, body = readyz(make_app, server)
    assert status == 200
    assert len(body["warnings"]) == 1 and body["warnings"][0].startswith("redis: memory at "), body


def test_a_redis_that_refuses_config_is_read_from_info(make_app, own_redis):
    """Heroku-like: CONFIG is refused; the policy still comes from INFO, persistence is a warning."""
    server = own_redis("--rename-command", "CONFIG", "", "--maxmemory-policy", "volatile-lru")
    status, body = readyz(make_app, server)
    assert status == 503
    assert body["reasons"] == ["redis: maxmemory-policy is volatile-lru, not noeviction: it evicts accepted events"]
    assert body["warnings"] == ["redis: the AOF is off and CONFIG is refused, so RDB snapshots cannot be checked;"
                                " make sure the data is persisted"]


def test_a_redis_that_refuses_info_is_a_warning(make_app, own_redis):
    server = own_redis("--rename-command", "INFO", "", "--appendonly", "yes")
    status, body = readyz(make_app, server)
    assert status == 200
    assert body["warnings"] == ["redis: INFO memory is refused: the eviction policy and memory cannot be checked"]


def test_a_broken_rules_file_is_not_shown_to_anonymous_callers(make_app, redis_client):
    """A YAML error on the line holding a token: /readyz and the hook say rules_unavailable only;
    GET /api/routes (admin) has the detail, without the line's text."""
    app = make_app(f"""
        sources:
          foxoms: {{type: foxoms, tokens: ["{LEAKY_TOKEN}"]: oops}}
        routes: []
        """)
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert RULES_NOT_USABLE in ready.get_json()["reasons"]
    hook = client.post("/hooks/foxoms/bookingCreated", json={"data": {"id": 1}}, headers={"X-Hook-Token": LEAKY_TOKEN})
    assert hook.status_code == 503
    assert hook.get_json()["error"]["code"] == "rules_unavailable"
    problems = admin_rule_problems(app)
    assert len(problems) == 1 and "not valid YAML: line 3, column" in problems[0], problems
    for text in (ready.get_data(as_text=True), hook.get_data(as_text=True), " ".join(problems)):
        assert LEAKY_TOKEN not in text

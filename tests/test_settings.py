"""Settings, Redis URLs and the rules loader's basics."""
import ssl

import pytest

from handlers import settings
from handlers.redact import redact_url
from handlers.redis_client import broker_ssl_options, broker_url, client_from_url, resolve_url
from handlers.rules import RulesError, parse_rules


def test_defaults_match_the_design_table():
    config = settings.from_environment({})
    assert config["ROUTES_FILE"] == "routes.yaml"
    assert config["PUBLIC_BASE_URL"] == "http://localhost:5000"
    assert config["FOXOMS_BASE_URL"] == "https://api.foxoms.com/v1"
    assert config["FOXTAG_BASE_URL"] == "https://api.foxtag.io/api/v1/public"
    assert config["FOXOMS_RATE_LIMIT"] == "1/second"
    assert config["ITGLUE_RATE_LIMIT"] == "3000/5 minutes"
    assert config["RETRY_SCHEDULE"] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert config["MAX_BODY_BYTES"] == 1048576
    assert config["EVENT_RETENTION_DAYS"] == 14
    assert config["ADMIN_TOKEN"] is None
    assert config["REDIS_URL"] is None
    assert config["DELIVERY_LEASE_SECONDS"] == 60.0 and config["ROUTING_GRACE_SECONDS"] == 60.0
    assert config["RATE_LIMIT_MAX_WAIT_SECONDS"] == 0.5
    assert config["HTTP_ALLOW_PRIVATE"] is False


def test_settings_are_typed_once_from_text_or_typed_values():
    config = settings.from_environment({"DELIVERY_LEASE_SECONDS": "3.5", "RETRY_SCHEDULE": "0.2, 0.2",
                                        "MAX_BODY_BYTES": "64", "HTTP_ALLOW_PRIVATE": "true"})
    assert config["DELIVERY_LEASE_SECONDS"] == 3.5 and config["RETRY_SCHEDULE"] == [0.2, 0.2]
    assert config["MAX_BODY_BYTES"] == 64 and config["HTTP_ALLOW_PRIVATE"] is True
    test_config = settings.typed({"RETRY_SCHEDULE": [5], "ROUTING_GRACE_SECONDS": 2, "MAX_BODY_BYTES": 8,
                                  "HTTP_ALLOW_PRIVATE": False, "ADMIN_TOKEN": None})
    assert test_config == {"RETRY_SCHEDULE": [5.0], "ROUTING_GRACE_SECONDS": 2.0, "MAX_BODY_BYTES": 8,
                           "HTTP_ALLOW_PRIVATE": False, "ADMIN_TOKEN": None}
    assert settings.typed({"RETRY_SCHEDULE": ""}) == {"RETRY_SCHEDULE": []}  # a test config: no retries


@pytest.mark.parametrize("key, value", [
    ("DELIVERY_LEASE_SECONDS", "sixty-s3cr3t"), ("ROUTING_GRACE_SECONDS", "-1"), ("RATE_LIMIT_MAX_WAIT_SECONDS", "nan"),
    ("RETRY_SCHEDULE", "5,x-s3cr3t"), ("RETRY_SCHEDULE", "5,-1"), ("MAX_BODY_BYTES", "1.5"),
    ("EVENT_RETENTION_DAYS", "-3"), ("MAX_BODY_BYTES", "s3cr3t"),
])
def test_a_bad_setting_is_a_start_time_error_naming_it_not_its_value(key, value):
    with pytest.raises(settings.SettingsError) as caught:
        settings.from_environment({key: value})
    message = str(caught.value)
    assert f"{key} must be" in message
    assert value not in message and "s3cr3t" not in message


def test_every_bad_setting_is_named_at_once():
    with pytest.raises(settings.SettingsError) as caught:
        settings.from_environment({"MAX_BODY_BYTES": "big", "DELIVERY_LEASE_SECONDS": "-5"})
    assert str(caught.value) == ("unusable settings: MAX_BODY_BYTES must be a whole number of bytes; "
                                 "DELIVERY_LEASE_SECONDS must be a number of seconds, not negative")


def test_negative_retry_delay_is_refused():
    with pytest.raises(ValueError):
        settings.parse_retry_schedule("5,-1")


def test_embedded_url_when_redis_url_unset(tmp_path):
    url = resolve_url({"REDIS_URL": None, "EMBEDDED_REDIS_DIR": str(tmp_path)})
    assert url == f"unix://{tmp_path}/redis.sock"
    assert broker_url(url) == f"redis+socket://{tmp_path}/redis.sock"


def test_rediss_skips_certificate_checks():
    url = "rediss://:secret@redis.example.com:6380/0"
    assert broker_ssl_options(url) == {"ssl_cert_reqs": ssl.CERT_NONE}
    assert broker_ssl_options("redis://localhost:6379/0") is None
    client = client_from_url(url)
    assert client.connection_pool.connection_kwargs["ssl_cert_reqs"] is None


def test_password_never_shown():
    assert "secret" not in redact_url("rediss://:secret@redis.example.com:6380/0")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sources: {a: {type: foxoms, tokens: [x], colour: red}}\n", "sources.a.colour: Unknown field."),
        ("sources: {a: {type: nope, tokens: [x]}}\n", "sources.a.type: Must be one of: foxoms, incoming."),
        ("sources: {a: {type: foxoms, tokens: []}}\n", "sources.a.tokens: Shorter than minimum length 1."),
        (
            "sources: {a: {type: foxoms, tokens: [x]}}\nroutes: [{id: r1, source: b, actions: [{id: x, call: http.post}]}]\n",
            "routes[r1].source: unknown source 'b'",
        ),
        (
            "sources: {a: {type: foxoms, tokens: [x]}}\nroutes: [{id: r1, source: a, actions: [{id: x, call: http.post}]},"
            " {id: r1, source: a, actions: [{id: y, call: http.post}]}]\n",
            "routes[r1].id: duplicate route id",
        ),
        (
            "sources: {a: {type: foxoms, tokens: [x]}}\nroutes: [{id: r1, source: a, actions: [{id: x, call: http.post}, {id: x, call: http.post}]}]\n",
            "routes[r1].actions[x].id: duplicate action id",
        ),
        (
            "sources: {a: {type: foxoms, tokens: [x]}}\nroutes: [{id: r1, source: a, actions: [{id: x, call: http.post, colour: red}]}]\n",
            "routes[r1].actions[x].colour: Unknown field.",
        ),
        ("sources: {a: {type: incoming, tokens: [x], fields: {n: {type: list, of: blob}}}}\n", "sources.a.fields.n.of: Must be one of"),
        ("[1, 2]\n", "the file must be a mapping"),
        ("sources: {a: [\n", "not valid YAML"),
    ],
)
def test_rules_errors_name_the_place(text, expected):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, environ={})
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_variables_come_from_the_environment():
    rules = parse_rules(
        "sources: {a: {type: incoming, tokens: ['${TOKEN_A}', 'b-${TOKEN_B}']}}\n",
        environ={"TOKEN_A": "one", "TOKEN_B": "two"},
    )
    assert rules.sources["a"]["tokens"] == ["one", "b-two"]
    assert rules.sources["a"]["disabled"] is False

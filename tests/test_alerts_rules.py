"""Loading `alerts:`: every problem names the alert and the key (parse_rules, `flask routes check`)."""
import pathlib
import re
import textwrap

import pytest

from handlers.alerts.throttle import ThrottleError, throttle_seconds
from handlers.routing.templates import render_args
from handlers.rules import RulesError, parse_rules
from tests.conftest import MINIMAL_ROUTES

ENVIRON = {"OPS_WEBHOOK_URL": "https://chat.example/hook/secret-path"}

ROUTES = MINIMAL_ROUTES.replace("routes: []", """
routes:
  - id: r
    source: foxoms
    actions:
      - {id: a, call: fiwit.create_ticket, args: {fields: {name: "{{ payload.name }}"}}}
""")

GOOD_ALERT = """
alerts:
  - id: ops
    on: [dead_letter, vendor_failing, breaker_open, breaker_closed, backlog]
    vendors: [fiwit, foxoms]
    routes: [r]
    throttle: 15 minutes
    call: http.post
    args:
      url: "${OPS_WEBHOOK_URL}"
      json: {text: "{{ alert.summary }} ({{ alert.count }}) {{ alert.console_url }}"}
"""


def problems_of(alert_text, environ=ENVIRON):
    with pytest.raises(RulesError) as caught:
        parse_rules(ROUTES + textwrap.dedent(alert_text), environ)
    return caught.value.problems


def test_a_good_alert_loads():
    rules = parse_rules(ROUTES + GOOD_ALERT, ENVIRON)
    (alert,) = rules.alerts
    assert alert["on"] == ["dead_letter", "vendor_failing", "breaker_open", "breaker_closed", "backlog"]
    assert alert["args"]["url"] == ENVIRON["OPS_WEBHOOK_URL"]
    assert ENVIRON["OPS_WEBHOOK_URL"] in rules.extra["variable_values"]  # hidden wherever rules are shown


def test_a_file_without_alerts_has_none():
    assert parse_rules(ROUTES, ENVIRON).alerts == []


@pytest.mark.parametrize("old, new, expected", [
    ("    throttle: 15 minutes", "    throttle: 15 mins",
     "alerts[ops].throttle: not a period such as '15 minutes': '15 mins'"),
    ("    throttle: 15 minutes", "    throttle: 0 minutes",
     "alerts[ops].throttle: not a period such as '15 minutes': '0 minutes'"),
    ("    throttle: 15 minutes", "    throttle: 2 months", "alerts[ops].throttle: at most 1 day: '2 months'"),
    ("    throttle: 15 minutes", "    throttle: 15/minute",
     "alerts[ops].throttle: not a period such as '15 minutes': '15/minute'"),
    ("on: [dead_letter,", "on: [dead_leter,",
     "alerts[ops].on.0: unknown signal 'dead_leter' (one of: dead_letter, vendor_failing, breaker_open, "
     "breaker_closed, backlog)"),
    ("    throttle:", "    throttel:", "alerts[ops].throttel: Unknown field."),
    ("call: http.post", "call: http.get", "alerts[ops].call: unknown call 'http.get'"),
    ("      url:", "      uri:", "alerts[ops].args.url: missing (required by http.post)"),
    ("vendors: [fiwit, foxoms]", "vendors: [fiwit, fixwit]", "alerts[ops].vendors: unknown vendor 'fixwit'"),
    ("routes: [r]", "routes: [r, q]", "alerts[ops].routes: unknown route 'q'"),
    ("{{ alert.summary }}", "{{ payload.name }}",
     "alerts[ops].args.json.text: unknown name 'payload' (templates see only alert)"),
    ("{{ alert.summary }}", "{{ alert.summary }",
     "alerts[ops].args.json.text: template syntax error: unexpected '}' (line 1)"),
    ("${OPS_WEBHOOK_URL}", "${OPS_HOOK}", "alerts[ops].args.url: environment variable ${OPS_HOOK} is not set"),
    ("    on:", "    signals:", "alerts[ops].on: Missing data for required field."),
])
def test_a_bad_alert_names_the_alert_and_the_key(old, new, expected):
    assert old in GOOD_ALERT
    assert expected in problems_of(GOOD_ALERT.replace(old, new))


def test_duplicate_alert_ids():
    second = GOOD_ALERT.split("alerts:\n", 1)[1]
    assert "alerts[ops].id: duplicate alert id" in problems_of(GOOD_ALERT + second)


def test_no_signal_at_all_is_refused():
    assert problems_of(GOOD_ALERT.replace("on: [dead_letter, vendor_failing, breaker_open, breaker_closed, backlog]",
                                          "on: []")) == ["alerts[ops].on: Shorter than minimum length 1."]


@pytest.mark.parametrize("text, seconds", [
    ("2 seconds", 2), ("15 minutes", 900), ("1 minute", 60), ("hour", 3600), ("1 day", 86400), (None, 0), ("", 0),
])
def test_throttle_seconds(text, seconds):
    assert throttle_seconds(text) == seconds


@pytest.mark.parametrize("text", ["fifteen minutes", "15", "15 minutes 2 seconds", "-1 minute", "1 fortnight"])
def test_bad_throttles(text):
    with pytest.raises(ThrottleError):
        throttle_seconds(text)


def test_routes_check_lists_the_alerts(make_app, monkeypatch):
    monkeypatch.setenv("OPS_WEBHOOK_URL", ENVIRON["OPS_WEBHOOK_URL"])
    result = make_app(ROUTES + GOOD_ALERT).test_cli_runner().invoke(args=["routes", "check"])
    assert result.exit_code == 0, result.output
    assert ("alert ops: dead_letter, vendor_failing, breaker_open, breaker_closed, backlog -> http.post; "
            "throttle 15 minutes") in result.output
    assert ENVIRON["OPS_WEBHOOK_URL"] not in result.output


def test_routes_check_names_a_bad_alert_and_exits_1(make_app, monkeypatch, routes_file):
    monkeypatch.setenv("OPS_WEBHOOK_URL", ENVIRON["OPS_WEBHOOK_URL"])
    broken = routes_file(ROUTES + GOOD_ALERT.replace("15 minutes", "15 minuets"), "broken.yaml")
    result = make_app().test_cli_runner().invoke(args=["routes", "check", "--file", broken])
    assert result.exit_code == 1
    assert "alerts[ops].throttle: not a period such as '15 minutes': '15 minuets'" in result.output


def readme_alert_examples():
    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text.split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(alerts:\n.*?)```", section, re.S)


def test_the_readme_alert_examples_load_and_render():
    examples = readme_alert_examples()
    assert len(examples) == 3  # Slack, Teams MessageCard, Teams Adaptive Card
    environ = {name: f"https://chat.example/{name}" for name in
               ("SLACK_WEBHOOK_URL", "TEAMS_WEBHOOK_URL", "TEAMS_WORKFLOW_URL")}
    context = {"alert": {"signal": "dead_letter", "summary": "A delivery to fiwit died", "vendor": "fiwit",
                         "route": "r", "count": 2, "first_at": "t0", "last_at": "t1",
                         "console_url": "https://hooks.example/console/dead-letters?vendor=fiwit"}}
    rendered = []
    for example in examples:
        (alert,) = parse_rules(ROUTES + example, environ).alerts
        rendered.append(render_args(alert["args"], context)["json"])
    slack, card, adaptive = rendered
    assert slack == {"text": "A delivery to fiwit died (2 since t0) "
                             "<https://hooks.example/console/dead-letters?vendor=fiwit|open>"}
    assert card["@type"] == "MessageCard" and card["title"] == "hooks: dead_letter (2)"
    assert card["potentialAction"][0]["targets"][0]["uri"] == context["alert"]["console_url"]
    content = adaptive["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard" and content["body"][1]["text"] == "A delivery to fiwit died"

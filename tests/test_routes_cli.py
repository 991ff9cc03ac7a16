"""`flask routes check`, `flask routes explain`, and an app with a broken file (/readyz)."""
import json

from handlers.web.health import RULES_NOT_USABLE
from tests.routing_helpers import ECHO_SECRET
from tests.admin_helpers import ADMIN, admin_rule_problems

ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["${CLI_HOOK_TOKEN}"], events: [bookingCreated]}
routes:
  - id: confirmed
    source: foxoms
    events: ["booking*"]
    filter: {status.name: Confirmed}
    actions:
      - id: echo
        call: test.echo
        args: {url: "https://echo.test/{{ payload.id }}", json: {id: "{{ payload.id }}"}}
  - id: cancelled
    source: foxoms
    filter: {status.name: Cancelled}
    actions:
      - {id: echo, call: test.echo, args: {url: "https://echo.test/x"}}
"""
BROKEN = ROUTES.replace('events: ["booking*"]', 'events: ["booking["]')
TOKEN = "cli-hook-token-0123456789"


def test_check_ok(make_app, echo_action, monkeypatch):
    monkeypatch.setenv("CLI_HOOK_TOKEN", TOKEN)
    result = make_app(ROUTES).test_cli_runner().invoke(args=["routes", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK ") and "1 sources, 2 routes, 2 actions" in result.output


def test_check_lists_problems_and_exits_1(make_app, echo_action, monkeypatch, routes_file):
    monkeypatch.setenv("CLI_HOOK_TOKEN", TOKEN)
    app = make_app(ROUTES)
    result = app.test_cli_runner().invoke(args=["routes", "check", "--file", routes_file(BROKEN, "broken.yaml")])
    assert result.exit_code == 1
    assert "routes[confirmed].events[0]: bad glob 'booking['" in result.output
    assert TOKEN not in result.output


def test_check_missing_variable(make_app, echo_action, monkeypatch):
    monkeypatch.delenv("CLI_HOOK_TOKEN", raising=False)
    result = make_app(ROUTES).test_cli_runner().invoke(args=["routes", "check"])
    assert result.exit_code == 1
    assert "sources.foxoms.tokens[0]: environment variable ${CLI_HOOK_TOKEN} is not set" in result.output


def test_app_with_broken_file_is_not_ready(make_app, echo_action, monkeypatch):
    monkeypatch.setenv("CLI_HOOK_TOKEN", TOKEN)
    app = make_app(BROKEN)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert RULES_NOT_USABLE in response.get_json()["reasons"]
    assert TOKEN not in response.get_data(as_text=True)
    assert any(r.startswith("routes[confirmed].events[0]: bad glob") for r in admin_rule_problems(app))
    explain = app.test_client().post("/api/routes/explain", headers=ADMIN,
                                     json={"source": "foxoms", "event": "bookingCreated", "payload": {}})
    assert explain.status_code == 503


def test_explain_command(make_app, echo_action, monkeypatch, tmp_path):
    monkeypatch.setenv("CLI_HOOK_TOKEN", TOKEN)
    payload = tmp_path / "booking.json"
    payload.write_text(json.dumps({"data": [{"id": 6, "status": [{"name": "Confirmed"}]}]}))
    result = make_app(ROUTES).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "foxoms", "--event", "bookingCreated", str(payload)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["matches"] == [{"route": "confirmed", "actions": [{
        "id": "echo", "call": "test.echo",
        "args": {"url": "https://echo.test/6", "json": {"id": 6}},
        "requests": [{"method": "POST", "url": "https://echo.test/6",
                      "headers": {"Authorization": "[redacted]"}, "body": {"id": 6}}],
    }]}]
    assert answer["not_matched"] == [{"route": "cancelled", "reason": "filter", "key": "status.name"}]
    assert ECHO_SECRET not in result.output


def test_explain_command_refuses_a_non_object(make_app, echo_action, monkeypatch, tmp_path):
    monkeypatch.setenv("CLI_HOOK_TOKEN", TOKEN)
    payload = tmp_path / "list.json"
    payload.write_text("[1, 2]")
    result = make_app(ROUTES).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "foxoms", "--event", "bookingCreated", str(payload)])
    assert result.exit_code != 0 and "must be a JSON object" in result.output


def test_the_installed_flask_routes_command_has_pause_and_resume():
    """`flask routes` comes from the flask.commands entry point, loaded before the app: its
    pause/resume must be registered with the group itself (they were missing there)."""
    import os
    import subprocess
    import sys

    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    answer = subprocess.run([flask, "--app", "app", "routes", "--help"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert "pause" in answer.stdout and "resume" in answer.stdout

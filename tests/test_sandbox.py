"""The vendor sandbox: which vendors it serves, what it records, and where it says so."""
import json
import subprocess
import sys

import pytest
import requests

from handlers.sandbox.calls import CallRecorder, recent_calls
from handlers.sandbox.fiwit import FiwitSimulator
from handlers.sandbox.run import run_with_sandbox
from handlers.sandbox.vendors import SANDBOXES, vendors_to_sandbox
from tests.admin_helpers import ADMIN

FIWIT_ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["foxoms-test-token"], events: [bookingCreated]}
routes:
  - id: booking-ticket
    source: foxoms
    events: [bookingCreated]
    actions:
      - id: ticket
        call: fiwit.create_ticket
        args: {fields: {name: "Booking {{ payload.id }}"}}
"""
CREDENTIAL = "sandbox-credential-do-not-show"


@pytest.fixture
def recorded_fiwit(redis_client):
    """A Fiwit sandbox server that records into the test Redis."""
    with FiwitSimulator(credential=CREDENTIAL) as server:
        server.recorder = CallRecorder(redis_client)
        yield server


def post_ticket(server, name="Printer on fire"):
    return requests.post(server.url + "/tickets/", json={"name": name}, timeout=5,
                         headers={"Authorization": CREDENTIAL, "Accept": "application/json"})


@pytest.mark.parametrize("config, user_settings, expected", [
    ({}, {}, []),                                                          # off outside make run
    ({"VENDOR_SANDBOX": "false"}, {}, []),
    ({"VENDOR_SANDBOX": "true"}, {}, list(SANDBOXES)),                     # nothing configured: all five
    ({"VENDOR_SANDBOX": "true", "FIWIT_API_KEY": "real"}, {}, ["foxoms", "itglue", "foxtag", "accutics"]),
    ({"VENDOR_SANDBOX": "true"}, {"ITGLUE_BASE_URL": "https://eu.itglue.example"},  # a base URL in .env is the user's
     ["foxoms", "fiwit", "foxtag", "accutics"]),
    ({"VENDOR_SANDBOX": "true"}, {"FOXTAG_API_KEY": ""}, ["foxoms", "itglue", "fiwit", "accutics"]),  # honcho would set it ""
])
def test_vendors_to_sandbox(config, user_settings, expected):
    assert vendors_to_sandbox(config, user_settings) == expected


def test_every_answered_call_is_recorded_without_the_credential(recorded_fiwit, redis_client):
    assert post_ticket(recorded_fiwit).status_code == 201
    assert requests.get(recorded_fiwit.url + "/tickets/", timeout=5).status_code == 401  # no credential
    newest, first = recent_calls(redis_client, ["fiwit"])
    assert (first["method"], first["path"], first["status"], first["json"]) == ("POST", "/tickets/", 201, {"name": "Printer on fire"})
    assert (newest["method"], newest["status"]) == ("GET", 401)
    assert "Authorization" not in first["headers"] and first["vendor"] == "fiwit"
    assert CREDENTIAL not in json.dumps(redis_client.lrange("hooks:sandbox:calls:fiwit", 0, -1))


def test_admin_api_lists_calls_per_vendor(make_app, recorded_fiwit):
    post_ticket(recorded_fiwit, "One")
    post_ticket(recorded_fiwit, "Two")
    client = make_app(VENDOR_SANDBOX="true", SANDBOX_VENDORS="fiwit").test_client()
    answer = client.get("/api/sandbox/calls?vendor=fiwit&limit=1", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.json["sandboxed"] == ["fiwit"]
    assert [call["json"]["name"] for call in answer.json["calls"]] == ["Two"]
    assert client.get("/api/sandbox/calls?vendor=foxtag", headers=ADMIN).json["calls"] == []


def test_admin_api_refuses_an_unknown_vendor_and_a_missing_token(client):
    answer = client.get("/api/sandbox/calls?vendor=nope", headers=ADMIN)
    assert answer.status_code == 422 and "vendor" in answer.json["error"]["fields"]
    assert client.get("/api/sandbox/calls").status_code == 401


def test_cli_prints_the_calls(app, recorded_fiwit):
    post_ticket(recorded_fiwit, "From the CLI")
    result = app.test_cli_runner().invoke(args=["sandbox", "calls", "fiwit"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["json"] == {"name": "From the CLI"}


def vendor_warnings_of(readyz_answer):
    """The /readyz warnings about vendors (the test Redis keeps nothing on disk: a warning of its own)."""
    return [warning for warning in readyz_answer["warnings"] if not warning.startswith("redis:")]


def test_readyz_warns_about_sandboxed_vendors(make_app):
    client = make_app(FIWIT_ROUTES, VENDOR_SANDBOX="true", SANDBOX_VENDORS="fiwit",
                      FIWIT_BASE_URL="http://127.0.0.1:1234", FIWIT_API_KEY="generated").test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 200
    (warning,) = vendor_warnings_of(answer.json)
    assert warning == "sandbox: fiwit is served by the built-in sandbox (no FIWIT_API_KEY): calls are recorded, not sent to fiwit"


def test_readyz_and_routes_check_warn_about_a_vendor_without_credentials(make_app):
    """Before: /readyz said ready and `routes check` OK, and every delivery died with
    VendorAuthError at attempt 1."""
    app = make_app(FIWIT_ROUTES, FIWIT_API_KEY=None)
    (warning,) = vendor_warnings_of(app.test_client().get("/readyz").json)
    assert warning.startswith("vendor: fiwit has no FIWIT_API_KEY and no sandbox: every delivery to it fails")
    assert "booking-ticket" not in warning  # /readyz answers anyone: no rules' contents
    result = app.test_cli_runner().invoke(args=["routes", "check", "--file", app.config["ROUTES_FILE"]])
    assert result.exit_code == 0
    assert "warning: vendor: fiwit has no FIWIT_API_KEY and no sandbox: every delivery of booking-ticket fails" in result.output


def test_no_warning_when_the_vendor_has_credentials(make_app):
    assert vendor_warnings_of(make_app(FIWIT_ROUTES, FIWIT_API_KEY="real-key").test_client().get("/readyz").json) == []


def test_runner_points_the_command_at_running_sandbox_servers(redis_url, redis_client, tmp_path):
    """The command gets base URL, credential and SANDBOX_VENDORS for every vendor without
    credentials (FIWIT_API_KEY in .env keeps Fiwit real), and the servers answer while it runs."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("FIWIT_API_KEY=the-real-one\n")
    child = tmp_path / "child.py"
    child.write_text(
        "import json, os, requests\n"
        "url, key = os.environ['FOXTAG_BASE_URL'], os.environ['FOXTAG_API_KEY']\n"
        "answer = requests.post(url + '/customers', json=[{'name': 'A'}], timeout=5,\n"
        "                       headers={'Authorization': 'Bearer ' + key, 'Accept': 'application/json'})\n"
        "print(json.dumps({'status': answer.status_code, 'vendors': os.environ['SANDBOX_VENDORS'],\n"
        "                  'fiwit': os.environ.get('FIWIT_BASE_URL')}))\n")
    output = tmp_path / "out.json"
    environ = {"PATH": "/usr/bin:/bin", "VENDOR_SANDBOX": "true", "REDIS_URL": redis_url}
    code = run_with_sandbox(["sh", "-c", f"{sys.executable} {child} > {output}"], environ, str(dotenv))
    assert code == 0
    seen = json.loads(output.read_text())
    assert seen == {"status": 200, "vendors": "foxoms,itglue,foxtag,accutics", "fiwit": None}
    assert [call["path"] for call in recent_calls(redis_client, ["foxtag"])] == ["/api/v1/public/customers"]


def test_runner_without_the_sandbox_just_runs_the_command(tmp_path):
    code = run_with_sandbox([sys.executable, "-c", "import os, sys; sys.exit('SANDBOX_VENDORS' in os.environ)"],
                            {"PATH": "/usr/bin:/bin"}, str(tmp_path / ".env"))
    assert code == 0


def test_sigterm_to_the_runner_reaches_the_command_and_the_servers_outlive_it(redis_url, redis_client, tmp_path):
    """The command is told to stop and still reaches its sandbox server while it stops."""
    import os
    import signal
    import time

    child = tmp_path / "child.py"
    child.write_text(
        "import os, signal, sys, time, requests\n"
        "def stop(*_):\n"
        "    answer = requests.get(os.environ['FIWIT_BASE_URL'] + '/tickets', timeout=5,\n"
        "                          headers={'Authorization': os.environ['FIWIT_API_KEY'], 'Accept': 'application/json'})\n"
        "    sys.exit(0 if answer.status_code == 200 else 3)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "open(sys.argv[1], 'w').close()\n"
        "time.sleep(60)\n")
    started = tmp_path / "started"
    runner = subprocess.Popen([sys.executable, "-m", "handlers.sandbox.run", sys.executable, str(child), str(started)],
                              env={"PATH": "/usr/bin:/bin", "VENDOR_SANDBOX": "true", "REDIS_URL": redis_url},
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline and runner.poll() is None:
        time.sleep(0.05)
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(30) == 0
    assert [call["status"] for call in recent_calls(redis_client, ["fiwit"])] == [200]


def test_sandbox_calls_refuse_a_repeated_parameter(make_app):
    client = make_app(FIWIT_ROUTES).test_client()
    answer = client.get("/api/sandbox/calls?vendor=fiwit&vendor=foxtag", headers={"Authorization": "Bearer admin-test-token"})
    assert answer.status_code == 422
    assert "vendor" in answer.json["error"]["fields"]

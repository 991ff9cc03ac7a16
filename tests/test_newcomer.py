"""A fresh checkout runs the whole job: `make run` with nothing configured, the banner's
command, and the sample event reaches the vendor sandbox (issue 13)."""
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.local_run import REPO, LocalRun, error_lines, new_terminal_env


def test_the_banner_command_completes_an_event_through_the_sandbox(tmp_path):
    run = LocalRun(tmp_path).prepare()
    try:
        run.start()
        command = run.banner_command("send a sample event")
        sent = subprocess.run(command, cwd=run.root, env=new_terminal_env(), capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        event_id = sent.stdout.split('"event_id": "')[1].split('"')[0]
        event = wait_for(lambda: (lambda e: e if e["status"] == "completed" else None)(run.admin(f"/api/events/{event_id}")),
                         timeout=60, interval=0.5, message="the sample event to complete")
        (delivery,) = event["deliveries"]
        calls = run.admin("/api/sandbox/calls?vendor=fiwit")["calls"]
        assert [call["json"]["name"] for call in calls if call["status"] == 201] == [
            delivery["args"]["fields"]["name"]]
        readyz = run.admin("/readyz")
        assert any(warning.startswith("sandbox: fiwit is served by the built-in sandbox") for warning in readyz["warnings"])
        assert run.ctrl_c() < 30
    finally:
        run.kill()
    assert error_lines(run.output()) == [], run.output()[-3000:]


def post_campaigns(run, count):
    """`count` signed campaign events (each one an Accutics and a FoxOMS call, FoxOMS at 1/s)."""
    import json
    import time
    import uuid

    import requests

    from handlers.signing import secret_keys, signature as sign

    env = run.dotenv()
    key = secret_keys(env["CAMPAIGN_SIGNING_SECRET"])[0]
    template = json.loads((run.root / "examples" / "campaign-created__campaign.created.json").read_text())
    ids = []
    with requests.Session() as session:
        for number in range(count):
            body = json.dumps({**template, "name": f"Burst campaign {number}"}).encode()
            msg_id, timestamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
            answer = session.post(run.url + "/hooks/incoming/campaign-created", data=body, timeout=10, headers={
                "Content-Type": "application/json", "X-Hook-Token": env["CAMPAIGN_HOOK_TOKEN"], "webhook-id": msg_id,
                "webhook-timestamp": timestamp, "webhook-signature": sign(key, msg_id, timestamp, body)})
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["event_id"])
    return ids


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["ctrl_c", "sigterm", "hangup"])
def test_ctrl_c_under_load_is_clean_and_the_work_resumes_at_the_next_start(tmp_path, how):
    """Before: WorkerLostError, `CRITICAL ... Couldn't reject ... redis.sock: No such file`
    (Redis stopped first), and the in-flight events waited 60-80 s for the sweeper. Here
    the sweeper is kept out (leases and routing grace of an hour): whatever was in flight
    must be back in the queue when the processes start again."""
    import time

    run = LocalRun(tmp_path).prepare()
    run.env.update(DELIVERY_LEASE_SECONDS="3600", ROUTING_GRACE_SECONDS="3600")
    count = 20
    try:
        run.start()
        ids = post_campaigns(run, count)
        stop_seconds = getattr(run, how)()
        first_output = run.output()
        run.start()
        restarted = time.monotonic()
        in_flight = sum(run.admin(f"/api/events/{event_id}")["status"] != "completed" for event_id in ids)

        def statuses():
            return [run.admin(f"/api/events/{event_id}")["status"] for event_id in ids]

        wait_for(lambda: statuses() == ["completed"] * count, timeout=150, interval=0.5,
                 message="every burst event to complete after the restart")
        resumed_seconds = time.monotonic() - restarted
        projects = [call["json"]["name"] for call in run.admin("/api/sandbox/calls?vendor=foxoms&limit=500")["calls"]
                    if call["status"] == 200 and call["path"].endswith("/project")]
        run.ctrl_c()
    finally:
        run.kill()
    print(f"\n{how} after a {count}-event burst: stopped in {stop_seconds:.1f} s; {in_flight} events not completed at the restart, "
          f"every event completed in {resumed_seconds:.1f} s (FoxOMS sandbox at 1 request/s)")
    assert error_lines(first_output) == [], first_output[-4000:]
    assert error_lines(run.output()) == [], run.output()[-4000:]
    assert sorted(set(projects)) == sorted(f"Campaign: Burst campaign {n}" for n in range(count))


README = (Path(REPO) / "README.md").read_text()
COMMAND_PAGES = README + (Path(REPO) / "examples" / "README.md").read_text()


def readme_commands():
    """Every `./hooks ...` command the README (and examples/README.md) shows, inline or in a block."""
    commands = re.findall(r"`(\./hooks [^`]+)`", COMMAND_PAGES)
    commands += re.findall(r"^(\./hooks [^#\n]+)", COMMAND_PAGES, re.M)
    return sorted({command.strip() for command in commands})


def test_the_readme_uses_no_command_that_needs_the_venv_activated():
    """Before: `flask --app app ...` failed in a new terminal (ModuleNotFoundError)."""
    assert re.findall(r"^\s*flask |`flask ", README, re.M) == []
    assert len(readme_commands()) >= 8


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_exists_and_its_files_too(app, command):
    words = [word for word in command.split()[1:] if "|" not in word and not word.startswith("[")]
    for word in words:
        if word.endswith(".json"):
            assert (Path(REPO) / word).is_file(), f"{command}: {word} does not exist"
    path = [word for word in words if word.isidentifier() or re.fullmatch(r"[a-z][a-z-]*", word)]
    names = []
    for word in path:  # the command's words up to its arguments
        result = app.test_cli_runner().invoke(args=[*names, word, "--help"])
        if result.exit_code != 0 or "Usage:" not in result.output:
            break
        names.append(word)
    assert names, f"{command}: no such CLI command"


def cited_documents():
    """(file, document) for every .md document named in the code, the tests, routes.yaml and README."""
    root = Path(REPO)
    paths = [root / "README.md", root / "routes.yaml"]
    paths += [path for folder in ("handlers", "tasks", "schemas", "tests", "bench") for path in (root / folder).rglob("*.py")]
    paths.append(root / "app.py")
    found = []
    for path in paths:
        for name in re.findall(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b", path.read_text()):
            found.append((str(path.relative_to(root)), name))
    return found


def test_every_cited_document_is_in_the_repo():
    """Before: the README and 9 source files cited two design documents that are not in the repo."""
    missing = [(path, name) for path, name in cited_documents() if not (Path(REPO) / name).is_file()]
    assert missing == []
    assert any(name == "docs/vendors.md" for _, name in cited_documents())

"""A template error of any kind kills only its own delivery (docs/routes.md "Templates").

Each kind goes through route_event on a real Redis: that delivery is dead with
TemplateRenderError, its sibling is queued, the event is routed (never left `received`
for the sweeper to fail again), and explain answers a 422 naming the action, with no
stack trace. Templates that would build a huge value are refused before they build it.
"""
import json
import tracemalloc

import pytest
import yaml
from celery.contrib.testing.worker import start_worker

from handlers.routing.route import route_event
from handlers.routing.templates import TemplateRenderError, render_args, template_problem
from handlers.rules import parse_rules
from handlers.store.deliveries import get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event
from handlers.store.keys import DEAD_LETTERS
from handlers.task_names import ROUTE_EVENT
from tests.admin_helpers import ADMIN
from tests.helpers import wait_for



def nested(depth):
    node = {"leaf": 1}
    for _ in range(depth):
        node = {"a": node}
    return node


PAYLOAD = {"id": 6, "x": "abc", "list": [1, 2], "deep": nested(400)}
# (name, template, the exception class the error names)
ERRORS = [
    ("deep-payload", "{% for n in [payload.deep] recursive %}{{ loop(n.values() | select('mapping')) }}{% endfor %}",
     "RecursionError"),
    ("recursive-macro", "{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}", "RecursionError"),
    ("percent-key", "{{ '%(missing)s' % payload }}", "KeyError"),
    ("format-index", "{{ '{}'.format() }}", "IndexError"),
    ("unknown-codec", "{{ payload.x.encode('no-such-codec') }}", "LookupError"),
    ("huge-width", "{{ '{:>99999999999}'.format(1) }}", "SecurityError"),  # MemoryError before the cap
    ("overflow", "{{ '%c' % 99999999 }}", "OverflowError"),
    ("type", "{{ payload.x.split(1) }}", "TypeError"),
    ("undefined", "{{ payload.notes }}", "UndefinedError"),
]


def rules_with(template):
    """One route: `bad` renders `template`, `good` renders fine."""
    text = yaml.safe_dump({
        "sources": {"foxoms": {"type": "foxoms", "tokens": ["template-errors-token"], "events": ["bookingCreated"]}},
        "routes": [{"id": "r", "source": "foxoms", "actions": [
            {"id": "bad", "call": "test.echo", "args": {"url": "https://echo.test/bad", "json": {"v": template}}},
            {"id": "good", "call": "test.echo", "args": {"url": "https://echo.test/good", "json": {"id": "{{ payload.id }}"}}},
        ]}],
    })
    return text, parse_rules(text, {})


def store_event(redis_client, payload=PAYLOAD):
    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", payload, {}, 1_700_000_000.0))
    return event_id


@pytest.mark.parametrize("name, template, error", ERRORS, ids=[e[0] for e in ERRORS])
def test_a_render_error_of_any_kind_kills_only_its_delivery(redis_client, echo_action, name, template, error):
    _, rules = rules_with(template)
    event_id = store_event(redis_client)
    queued = []
    outcome = route_event(redis_client, rules, event_id, queued.append)
    bad = get_delivery(redis_client, f"{event_id}:r:bad")
    assert bad["status"] == "dead" and bad["error_class"] == "TemplateRenderError"
    assert bad["last_error"].startswith(f"args.json.v: {error}")
    assert bad["args"] == {}
    assert redis_client.zscore(DEAD_LETTERS, bad["id"]) is not None
    assert queued == [f"{event_id}:r:good"]
    assert get_delivery(redis_client, queued[0])["args"] == {"url": "https://echo.test/good", "json": {"id": 6}}
    assert outcome.status == "routed" and get_event(redis_client, event_id)["status"] == "routed"


@pytest.mark.parametrize("name, template, error", ERRORS, ids=[e[0] for e in ERRORS])
def test_explain_answers_a_render_error_with_a_422(make_app, echo_action, name, template, error):
    text, _ = rules_with(template)
    client = make_app(text).test_client()
    response = client.post("/api/routes/explain", headers=ADMIN,
                           json={"source": "foxoms", "event": "bookingCreated", "payload": PAYLOAD})
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "template_error" and "cannot be rendered" in body["message"]
    assert list(body["fields"]) == ["r.bad"]
    assert body["fields"]["r.bad"][0].startswith(f"args.json.v: {error}")
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_explain_command_reports_a_render_error(make_app, echo_action, tmp_path):
    text, _ = rules_with("{{ '%(missing)s' % payload }}")
    payload = tmp_path / "payload.json"
    shallow = {name: value for name, value in PAYLOAD.items() if name != "deep"}  # the CLI reads JSON strictly: 64 levels
    payload.write_text(json.dumps({"data": [shallow]}))
    result = make_app(text).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "foxoms", "--event", "bookingCreated", str(payload)])
    assert result.exit_code == 1
    error = json.loads(result.output)["error"]  # the runner mixes stderr into output
    assert error["code"] == "template_error" and error["fields"]["r.bad"][0].startswith("args.json.v: KeyError")
    assert "Traceback" not in result.output


def test_an_arg_over_max_body_bytes_is_a_render_error(redis_client, echo_action):
    _, rules = rules_with("{{ payload.x * 300 }}")
    event_id = store_event(redis_client)
    queued = []
    route_event(redis_client, rules, event_id, queued.append, max_bytes=800)
    bad = get_delivery(redis_client, f"{event_id}:r:bad")
    assert bad["status"] == "dead" and bad["error_class"] == "TemplateRenderError"
    assert "over" in bad["last_error"] and "800" in bad["last_error"]
    assert queued == [f"{event_id}:r:good"]


def test_the_routing_task_uses_max_body_bytes(make_app, echo_action, redis_client):
    text, _ = rules_with("{{ payload.x * 300 }}")
    app = make_app(text, MAX_BODY_BYTES=800)
    event_id = store_event(redis_client)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(ROUTE_EVENT, args=[event_id])
        wait_for(lambda: (get_delivery(redis_client, f"{event_id}:r:good") or {}).get("status") == "succeeded",
                 message="the good delivery")
    bad = get_delivery(redis_client, f"{event_id}:r:bad")
    assert bad["status"] == "dead" and "800" in bad["last_error"]
    assert get_event(redis_client, event_id)["status"] != "received"


# Templates that ask for a gigabyte: each passes the load-time check and is refused when
# rendered, before the value is built.
HUGE = [
    "{{ 'x'.center(10**9) }}",
    "{{ 'x' | center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ 'x'.rjust(10**9, '-') }}",
    "{{ 'x'.zfill(10**9) }}",
    "{{ 'x' * 10**9 }}",
    "{{ [payload.x] * 10**9 }}",
    "{{ [payload.x * 1000] * 1000000 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{0:{1}}'.format('x', 999999999) }}",
    "{{ '{:.999999999f}'.format(1.5) }}",
    "{{ '%999999999s' % payload.x }}",
    "{{ '%*s' % (999999999, 'x') }}",
    "{{ '%.999999999f' % 1.5 }}",
    "{{ '%999999999s' | format(payload.x) }}",
    "{{ payload.x | indent(999999999) }}",
    "{{ payload.list | batch(999999999, 0) | list }}",
    "{{ payload.list | slice(999999999) | list }}",
    "{{ payload.x.replace('', 'y' * 400000) }}",
    "{{ ('y' * 100000).join(['a'] * 100) }}",
    "{{ (['a'] * 100) | join('y' * 100000) }}",
    "{{ ('y' * 1000000) ~ ('y' * 1000000) }}",
    "{{ ('y' * 600000) + ('y' * 600000) }}",
    "{{ '{0}{0}'.format('y' * 600000) }}",
    "{{ (10 ** 1000) ** 1000 }}",
    "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s | length }}{% endmacro %}{{ d('ab', 40) }}",
    "{% for x in [payload.x] recursive %}{{ loop([x ~ x]) }}{% endfor %}",
    "{% for x in [[payload.x]] recursive %}{{ loop([[x, x]]) }}{% endfor %}",
    "{{ range(10**9) | list }}",
]
CAP_CONTEXT = {"payload": {"x": "abc", "list": [1, 2], "many": list(range(200_000))}, "event": {}}


@pytest.mark.parametrize("template", HUGE)
def test_huge_values_are_refused_before_they_are_built(template):
    assert template_problem(template) in (None, "unknown name 'range' (templates see only payload and event)")
    tracemalloc.start()
    try:
        with pytest.raises(TemplateRenderError) as refused:
            render_args({"v": template}, CAP_CONTEXT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"{peak} bytes were allocated before the refusal"
    assert any(word in str(refused.value) for word in ("over the limit", "operations", "'range' is undefined"))


# Templates that would run for hours: refused once they have spent their operations.
ENDLESS = [
    "{% macro d(n) %}{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}{% endmacro %}{{ d(40) }}",
    "{% for a in payload.many %}{% for b in payload.many %}{% endfor %}{% endfor %}",
    "{% for i in payload.many %}{{ payload.x }}{% endfor %}{% for i in payload.many %}{{ payload.x }}{% endfor %}",
]


@pytest.mark.parametrize("template", ENDLESS)
def test_endless_templates_are_refused(template):
    assert template_problem(template) is None
    with pytest.raises(TemplateRenderError, match=r"SecurityError: the template did more than \d+ operations"):
        render_args({"v": template}, CAP_CONTEXT)


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{{ payload.x.center(7, '*') }}", "**abc**"),
        ("{{ '%5s|%-3d' % ('a', 2) }}", "    a|2  "),
        ("{{ '%(x)s!' % payload }}", "abc!"),
        ("{{ '{:>5}{:.2f}'.format('a', 1.5) }}", "    a1.50"),
        ("{{ payload.list | join(', ') }}", "1, 2"),
        ("{{ payload.x | indent(2, true) }}", "  abc"),
        ("{% for i in payload.list %}{{ loop.index }}{{ i }}{% endfor %}", "1122"),
        ("{{ payload.x ~ '-' ~ payload.x }}", "abc-abc"),
        ("{{ payload.x.replace('b', 'BB') }}", "aBBc"),
    ],
)
def test_ordinary_templates_still_render(template, expected):
    assert render_args({"v": template}, CAP_CONTEXT)["v"] == expected

"""Loading routes.yaml: every problem names the route and the key (parse_rules, CLI, /readyz)."""
import textwrap

import pytest

from handlers.rules import RulesError, parse_rules

ENVIRON = {"HOOK_TOKEN": "hook-token-0123456789", "ECHO_URL": "https://echo.test/in"}

HEADER = """
sources:
  foxoms: {type: foxoms, tokens: ["${HOOK_TOKEN}"], events: [bookingCreated]}
routes:
"""

GOOD_ROUTE = """
  - id: r
    source: foxoms
    events: ["booking*"]
    filter:
      status.name: Confirmed
    actions:
      - id: a
        call: test.echo
        args:
          url: "${ECHO_URL}"
          json: {name: "Booking {{ payload.name }}"}
"""


def problems_of(routes_text, environ=ENVIRON):
    with pytest.raises(RulesError) as caught:
        parse_rules(HEADER + textwrap.dedent(routes_text), environ)
    return caught.value.problems


def test_good_route_loads(echo_action):
    rules = parse_rules(HEADER + GOOD_ROUTE, ENVIRON)
    route = rules.routes[0]
    assert route["id"] == "r" and route["actions"][0]["args"]["url"] == "https://echo.test/in"
    assert rules.extra["raw"]["routes"][0]["actions"][0]["args"]["url"] == "${ECHO_URL}"


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("    filter:", "    filters:", "routes[r].filters: Unknown field."),
        ("        args:", "        argz:", "routes[r].actions[a].argz: Unknown field."),
        ("source: foxoms", "source: nope", "routes[r].source: unknown source 'nope'"),
        ("call: test.echo", "call: fiwit.nope", "routes[r].actions[a].call: unknown call 'fiwit.nope'"),
        ('url: "${ECHO_URL}"', 'link: "${ECHO_URL}"', "routes[r].actions[a].args.link: unknown arg for test.echo"),
        ('url: "${ECHO_URL}"', 'link: "${ECHO_URL}"', "routes[r].actions[a].args.url: missing (required by test.echo)"),
        ('url: "${ECHO_URL}"', 'url: "${NO_SUCH_VAR}"',
         "routes[r].actions[a].args.url: environment variable ${NO_SUCH_VAR} is not set"),
        ('events: ["booking*"]', 'events: ["booking["]',
         "routes[r].events[0]: bad glob 'booking[': '[' at position 7 is never closed"),
        ("Booking {{ payload.name }}", "Booking {{ payload.name }",
         "routes[r].actions[a].args.json.name: template syntax error: unexpected '}' (line 1)"),
        ("Booking {{ payload.name }}", "Booking {{ environ.HOME }}",
         "routes[r].actions[a].args.json.name: unknown name 'environ' (templates see only payload and event)"),
        ("Booking {{ payload.name }}", "{% include 'x' %}",
         "routes[r].actions[a].args.json.name: templates may not include, import or extend other templates"),
        ("status.name: Confirmed", "status.name: {equals: Confirmed}",
         "routes[r].filter.status.name: unknown operator 'equals'"),
        ("status.name: Confirmed", "status.name: {regex: '(unclosed'}",
         "routes[r].filter.status.name: regex: not a regular expression: missing ), unterminated subpattern"),
        ("status.name: Confirmed", "status.name: {in: Confirmed}", "routes[r].filter.status.name: in: needs a list of values"),
        ("status.name: Confirmed", "status.name: {not_in: {a: 1}}", "routes[r].filter.status.name: not_in: needs a list of values"),
        ("status.name: Confirmed", "start: {gt: '5'}", "routes[r].filter.start: gt: needs a number"),
        ("status.name: Confirmed", "start: {lte: true}", "routes[r].filter.start: lte: needs a number"),
        ("status.name: Confirmed", "notes: {exists: 'yes'}", "routes[r].filter.notes: exists: needs true or false"),
        ("status.name: Confirmed", "name: {prefix: 5}", "routes[r].filter.name: prefix: needs a string"),
        ("status.name: Confirmed", "tags: {contains: [a]}", "routes[r].filter.tags: contains: needs a single value"),
        ("status.name: Confirmed", "status.name: [Confirmed, Tentative]",
         "routes[r].filter.status.name: a list is not a condition; write {in: [...]} to match one of several values"),
        ("status.name: Confirmed", "status.name: {}", "routes[r].filter.status.name: an empty condition"),
        ("status.name: Confirmed", "any: {status.name: Confirmed}", "routes[r].filter.any: any: needs a non-empty list of filters"),
        ("status.name: Confirmed", "any: [{status.name: {regex: '['}}]",
         "routes[r].filter.any[0].status.name: regex: not a regular expression"),
        ("status.name: Confirmed", "not: {any: [{name: {bogus: 1}}]}", "routes[r].filter.not.any[0].name: unknown operator 'bogus'"),
        ("status.name: Confirmed", "not: [a]", "routes[r].filter.not: a filter is a mapping"),
        ("status.name: Confirmed", "name: {not: {gt: x}}", "routes[r].filter.name.not: gt: needs a number"),
        ("status.name: Confirmed", "status..name: x", "routes[r].filter.status..name: not a dotted path"),
    ],
)
def test_each_problem_names_route_and_key(echo_action, old, new, expected):
    assert old in GOOD_ROUTE
    problems = problems_of(GOOD_ROUTE.replace(old, new))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_duplicate_route_id(echo_action):
    problems = problems_of(GOOD_ROUTE + GOOD_ROUTE)
    assert "routes[r].id: duplicate route id" in problems


def test_duplicate_action_id(echo_action):
    action = GOOD_ROUTE[GOOD_ROUTE.index("      - id: a"):]
    problems = problems_of(GOOD_ROUTE + action)
    assert "routes[r].actions[a].id: duplicate action id" in problems


def test_route_without_actions(echo_action):
    problems = problems_of("  - {id: r, source: foxoms}\n")
    assert "routes[r].actions: Missing data for required field." in problems


def test_unknown_call_does_not_depend_on_registered_vendors():
    problems = problems_of(GOOD_ROUTE.replace("call: test.echo", "call: nobody.nothing"))
    assert "routes[r].actions[a].call: unknown call 'nobody.nothing'" in problems


def test_every_problem_is_reported_at_once(echo_action):
    text = GOOD_ROUTE.replace('events: ["booking*"]', 'events: ["x["]').replace("{{ payload.name }}", "{{ oops }}")
    problems = problems_of(text)
    assert len(problems) == 2, problems

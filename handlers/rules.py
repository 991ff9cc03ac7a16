"""Load and check routes.yaml: ${VAR} expansion, schema, cross references.

Every error names where it is: `routes[<route id>].<key>` or `sources.<name>.<key>`.
"""
import os
import re
from dataclasses import dataclass, field

import yaml
from marshmallow import ValidationError

from handlers.signing import SecretError, secret_keys
from schemas.rules import rules_file_schema

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RulesError(Exception):
    """routes.yaml cannot be used; `problems` lists every error found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class Rules:
    sources: dict
    routes: list
    path: str = ""
    alerts: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def source(self, name):
        return self.sources.get(name)


def expand_variables(node, environ, where, problems, used=None):
    """Replace ${VAR} in every string; a missing variable is a problem naming its place.

    `used`, when given, is a set that collects every value substituted (explain and the
    rules listing hide them: variables hold tokens and secrets).
    """
    if isinstance(node, dict):
        return {k: expand_variables(v, environ, _join(where, k, node), problems, used) for k, v in node.items()}
    if isinstance(node, list):
        return [expand_variables(v, environ, _index(where, i, v), problems, used) for i, v in enumerate(node)]
    if isinstance(node, str):
        def replace(match):
            name = match.group(1)
            if name not in environ:
                problems.append(f"{where}: environment variable ${{{name}}} is not set")
                return match.group(0)  # reported once, above; keeps the schema quiet
            if used is not None:
                used.add(environ[name])
            return environ[name]

        return VARIABLE.sub(replace, node)
    return node


def _join(where, key, parent):
    return f"{where}.{key}" if where else str(key)


def _index(where, position, item):
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"{where}[{item['id']}]"
    return f"{where}[{position}]"


def schema_problems(messages, where=""):
    """Flatten marshmallow's nested messages into 'place: message' lines."""
    problems = []
    if isinstance(messages, dict):
        for k, v in messages.items():
            if k == "value":  # a Dict field nests its values' errors under "value"
                problems.extend(schema_problems(v, where))
                continue
            problems.extend(schema_problems(v, f"{where}.{k}" if where else str(k)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        problems.extend(f"{where}: {m}" for m in messages)
    elif isinstance(messages, list):
        for m in messages:
            problems.extend(schema_problems(m, where))
    else:
        problems.append(f"{where}: {messages}")
    return problems


def _named_places(problems, raw):
    """Turn `routes.3.actions.0.call` into `routes[my-route].actions[ticket].call`."""
    routes = raw.get("routes") if isinstance(raw, dict) else None
    if not isinstance(routes, list):
        routes = []

    def name(match):
        index = int(match.group(1))
        route = routes[index] if index < len(routes) else None
        route_name = route.get("id", index) if isinstance(route, dict) else index
        text = f"routes[{route_name}]"
        if match.group(2) is not None and isinstance(route, dict):
            actions = route.get("actions") or []
            a = int(match.group(2))
            action = actions[a] if isinstance(actions, list) and a < len(actions) else None
            action_name = action.get("id", a) if isinstance(action, dict) else a
            text += f".actions[{action_name}]"
        return text

    pattern = re.compile(r"^routes\.(\d+)(?:\.actions\.(\d+))?")
    return [_named_alerts(pattern.sub(name, p), raw) for p in problems]


def _named_alerts(problem, raw):
    """`alerts.0.throttle` -> `alerts[ops].throttle`."""
    alerts = raw.get("alerts")
    match = re.match(r"^alerts\.(\d+)", problem)
    if match is None or not isinstance(alerts, list) or int(match.group(1)) >= len(alerts):
        return problem
    alert = alerts[int(match.group(1))]
    name = alert.get("id", match.group(1)) if isinstance(alert, dict) else match.group(1)
    return f"alerts[{name}]" + problem[match.end():]


def check_references(data):
    problems = []
    seen_routes = set()
    for route in data["routes"]:
        where = f"routes[{route['id']}]"
        if route["id"] in seen_routes:
            problems.append(f"{where}.id: duplicate route id")
        seen_routes.add(route["id"])
        if route["source"] not in data["sources"]:
            problems.append(f"{where}.source: unknown source {route['source']!r}")
        seen_actions = set()
        for action in route["actions"]:
            if action["id"] in seen_actions:
                problems.append(f"{where}.actions[{action['id']}].id: duplicate action id")
            seen_actions.add(action["id"])
    return problems


def check_signing_secrets(data):
    """Every `signing_secret` reads as the reference libraries read it (the value is never shown)."""
    problems = []
    for name, source in data["sources"].items():
        secret = source.get("signing_secret")
        if secret is None or VARIABLE.search(secret):  # an unset ${VAR} is reported already
            continue
        try:
            secret_keys(secret)
        except SecretError as exc:
            problems.append(f"sources.{name}.signing_secret: {exc}")
    return problems


# Further checks (calls, globs, filters, templates) register here: f(data) -> [problem].
ROUTE_CHECKS = []


def _register_route_checks():
    """Add the routing and alert checks; imported here to keep imports one-way."""
    from handlers.alerts import validate as alert_validate
    from handlers.routing import validate

    validate.register(ROUTE_CHECKS)
    alert_validate.register(ROUTE_CHECKS)


def yaml_problem(exc):
    """Where and what, without PyYAML's snippet of the line: the line can hold a token."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = " ".join(part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
    return where + (what or type(exc).__name__)


def parse_rules(text, environ=None, path="<string>"):
    """Parse the text of a rules file into Rules, or raise RulesError listing every problem."""
    environ = os.environ if environ is None else environ
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError([f"{path}: not valid YAML: {yaml_problem(exc)}"]) from None
    if not isinstance(raw, dict):
        raise RulesError([f"{path}: the file must be a mapping with `sources:` and `routes:`"])
    problems = []
    variable_values = set()
    expanded = expand_variables(raw, environ, "", problems, variable_values)
    try:
        data = rules_file_schema.load(expanded)
    except ValidationError as exc:
        raise RulesError(_named_places(problems + schema_problems(exc.messages), raw)) from None
    problems.extend(check_references(data))
    problems.extend(check_signing_secrets(data))
    _register_route_checks()
    for check in ROUTE_CHECKS:
        problems.extend(check(data))
    if problems:
        raise RulesError(problems)
    # raw: the file as written (${VAR} unexpanded), for GET /api/routes;
    # variable_values: what ${VAR}s expanded to, hidden wherever rules are shown.
    extra = {"raw": raw, "variable_values": frozenset(variable_values)}
    return Rules(sources=data["sources"], routes=data["routes"], path=path, alerts=data["alerts"], extra=extra)


def load_rules(path, environ=None):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise RulesError([f"{path}: cannot read: {exc.strerror}"]) from None
    return parse_rules(text, environ, path)

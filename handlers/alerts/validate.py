"""Load-time checks of `alerts:` beyond the schema, registered in handlers.rules.ROUTE_CHECKS.

Each problem names the alert and the key: `alerts[ops].throttle: not a period ...`.
(Unknown keys and signals are the schema's; unset ${VAR}s are found while expanding.)
"""
from handlers import actions as action_registry
from handlers.alerts.send import TEMPLATE_NAMES
from handlers.alerts.throttle import ThrottleError, throttle_seconds
from handlers.routing.templates import template_problem, template_strings


def check_alerts(data):
    known = action_registry.load_all()
    vendors = {action.vendor for action in known.values()}
    route_ids = {route["id"] for route in data["routes"]}
    problems, seen = [], set()
    for alert in data.get("alerts", ()):
        where = f"alerts[{alert['id']}]"
        if alert["id"] in seen:
            problems.append(f"{where}.id: duplicate alert id")
        seen.add(alert["id"])
        try:
            throttle_seconds(alert.get("throttle"))
        except ThrottleError as exc:
            problems.append(f"{where}.throttle: {exc}")
        problems.extend(f"{where}.vendors: unknown vendor {name!r}"
                        for name in alert.get("vendors", ()) if name not in vendors)
        problems.extend(f"{where}.routes: unknown route {name!r}"
                        for name in alert.get("routes", ()) if name not in route_ids)
        handler = known.get(alert["call"])
        if handler is None:
            problems.append(f"{where}.call: unknown call {alert['call']!r}")
        else:
            problems.extend(f"{where}.{problem}" for problem in handler.check_args(alert["args"]))
        for place, source in template_strings(alert["args"], f"{where}.args"):
            problem = template_problem(source, TEMPLATE_NAMES)
            if problem:
                problems.append(f"{place}: {problem}")
    return problems


def register(route_checks):
    if check_alerts not in route_checks:
        route_checks.append(check_alerts)

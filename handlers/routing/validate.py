"""Load-time checks of `routes:` beyond the schema, registered in handlers.rules.ROUTE_CHECKS.

Each check takes the loaded file and returns problems that name the route and the key:
`routes[<route>].actions[<action>].call: unknown call 'fiwit.nope'`.
"""
from handlers import actions as action_registry
from handlers.routing.filters import filter_problems
from handlers.routing.match import glob_problem
from handlers.routing.templates import template_problem, template_strings


def _routes(data):
    for route in data["routes"]:
        yield f"routes[{route['id']}]", route


def check_calls(data):
    """Every `call` is a known action and its args have the names that action takes."""
    known = action_registry.load_all()
    problems = []
    for where, route in _routes(data):
        for action in route["actions"]:
            place = f"{where}.actions[{action['id']}]"
            handler = known.get(action["call"])
            if handler is None:
                problems.append(f"{place}.call: unknown call {action['call']!r}")
                continue
            problems.extend(f"{place}.{problem}" for problem in handler.check_args(action["args"]))
    return problems


def check_globs(data):
    problems = []
    for where, route in _routes(data):
        for i, glob in enumerate(route["events"]):
            problem = glob_problem(glob)
            if problem:
                problems.append(f"{where}.events[{i}]: {problem}")
    return problems


def check_filters(data):
    problems = []
    for where, route in _routes(data):
        problems.extend(filter_problems(route["filter"], f"{where}.filter"))
    return problems


def check_templates(data):
    problems = []
    for where, route in _routes(data):
        for action in route["actions"]:
            for place, source in template_strings(action["args"], f"{where}.actions[{action['id']}].args"):
                problem = template_problem(source)
                if problem:
                    problems.append(f"{place}: {problem}")
    return problems


CHECKS = (check_calls, check_globs, check_filters, check_templates)


def register(route_checks):
    """Add these checks to a ROUTE_CHECKS list once."""
    for check in CHECKS:
        if check not in route_checks:
            route_checks.append(check)

"""A route's `filter:`: every key must match (AND).

A key is a dotted path into the payload with a condition (see conditions.py), or one
of two combinators: `any: [filter, ...]` (at least one sub-filter matches) and
`not: filter` (the sub-filter does not match). Sub-filters nest freely.
"""
from handlers.routing.conditions import condition_matches, condition_problems
from handlers.routing.paths import resolve

COMBINATORS = ("any", "not")


def filter_matches(filter_, payload):
    return first_failing_key(filter_, payload) is None


def first_failing_key(filter_, payload):
    """The first key of the filter (in file order) that does not match; None if all match."""
    for key, condition in filter_.items():
        if not _key_matches(key, condition, payload):
            return key
    return None


def _key_matches(key, condition, payload):
    if key == "any":
        return any(filter_matches(sub, payload) for sub in condition)
    if key == "not":
        return not filter_matches(condition, payload)
    return condition_matches(condition, resolve(payload, key))


def filter_problems(filter_, where):
    """Syntax problems of a filter, each naming its place, e.g. `routes[r].filter.status.name`."""
    if not isinstance(filter_, dict):
        return [f"{where}: a filter is a mapping of payload paths to conditions"]
    problems = []
    for key, condition in filter_.items():
        place = f"{where}.{key}"
        if not isinstance(key, str) or not key or any(not segment for segment in key.split(".")):
            problems.append(f"{place}: not a dotted path")
        elif key == "any":
            if not isinstance(condition, list) or not condition:
                problems.append(f"{place}: any: needs a non-empty list of filters")
                continue
            for i, sub in enumerate(condition):
                problems.extend(filter_problems(sub, f"{place}[{i}]"))
        elif key == "not":
            problems.extend(filter_problems(condition, place))
        else:
            problems.extend(condition_problems(condition, place))
    return problems

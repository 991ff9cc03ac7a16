"""Which routes an event matches: source, event-name globs, then the filter.

Globs use fnmatch.fnmatchcase: case-sensitive, `*`, `?`, `[abc]`, `[!abc]`.
"""
from dataclasses import dataclass
from fnmatch import fnmatchcase

from handlers.routing.filters import first_failing_key


@dataclass
class Verdict:
    """Whether one route matches; when it does not, why (source, event or filter) and where."""

    route: dict
    matched: bool
    reason: str = ""  # "source" | "event" | "filter"
    key: str = ""     # the first failing filter key, for reason "filter"


def event_matches(globs, event_name):
    return any(fnmatchcase(event_name, glob) for glob in globs)


def judge_route(route, source, event_name, payload):
    if route["source"] != source:
        return Verdict(route, False, "source")
    if not event_matches(route["events"], event_name):
        return Verdict(route, False, "event")
    key = first_failing_key(route["filter"], payload)
    if key is not None:
        return Verdict(route, False, "filter", key)
    return Verdict(route, True)


def judge_routes(routes, source, event_name, payload):
    """A Verdict for every route, in file order."""
    return [judge_route(route, source, event_name, payload) for route in routes]


def match_routes(routes, source, event_name, payload):
    """The routes the event matches, in file order."""
    return [v.route for v in judge_routes(routes, source, event_name, payload) if v.matched]


def glob_problem(glob):
    """Why a glob is malformed (an unclosed `[`), or None. fnmatch would take it literally."""
    i = 0
    while i < len(glob):
        if glob[i] == "[":
            j = i + 1
            if j < len(glob) and glob[j] == "!":
                j += 1
            if j < len(glob) and glob[j] == "]":
                j += 1  # a leading ] is part of the set
            close = glob.find("]", j)
            if close < 0:
                return f"bad glob {glob!r}: '[' at position {i} is never closed"
            i = close
        i += 1
    return None

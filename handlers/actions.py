"""The `call:` names a route may use (DESIGN.md "Actions"), and how to plan and run each.

Routing checks `call` and arg names against ACTIONS; explain shows `plan()`; the
delivery task calls `run()`. Vendor quirks live in the vendor clients, not here.
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests


@dataclass
class ActionContext:
    """What a running action may use."""

    config: Mapping                      # the Flask app's config (base URLs, credentials)
    session: requests.Session            # one session per worker process
    state: dict = field(default_factory=dict)  # kept between attempts of one delivery
    before_request: Callable[[str], None] = lambda vendor: None  # rate-limit hook, per HTTP request


@dataclass
class ActionResult:
    status: int | None = None            # HTTP status of the last answer
    response_excerpt: str = ""           # at most 2 KB, secrets removed
    record_failures: list = field(default_factory=list)  # per-record failures (Foxtag with_errors)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. the id the vendor created


class Action:
    """One `call:`. Subclasses set name/vendor/required/optional and implement plan and run."""

    name = ""
    vendor = ""
    required: tuple = ()
    optional: tuple = ()

    def check_args(self, args):
        """Problems with the arg names (static: templates are not rendered yet)."""
        problems = [f"args.{name}: missing (required by {self.name})" for name in self.required if name not in args]
        allowed = set(self.required) | set(self.optional)
        problems += [f"args.{name}: unknown arg for {self.name}" for name in args if name not in allowed]
        return problems

    def plan(self, args, config):
        """The PreparedRequests this call would send, in order (nothing is sent)."""
        raise NotImplementedError

    def run(self, args, ctx):
        """Send the call; return an ActionResult or raise a VendorError."""
        raise NotImplementedError


ACTIONS: dict[str, Action] = {}


def register(action_class):
    """Class decorator: add an Action to ACTIONS under its name."""
    ACTIONS[action_class.name] = action_class()
    return action_class


def get_action(name):
    try:
        return ACTIONS[name]
    except KeyError:
        raise KeyError(f"unknown call {name!r}") from None


def load_all():
    """Import every module that registers actions (idempotent)."""
    import importlib

    for module in ACTION_MODULES:
        importlib.import_module(module)
    return ACTIONS


# Modules that define actions with @register; each vendor module adds itself here.
ACTION_MODULES: list[str] = []

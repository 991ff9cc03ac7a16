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
    before_request: Callable[[str], Any] = lambda vendor: None  # rate-limit hook, per HTTP request (may
                                         # return a function to call once the answer is in)
    delivery_id: str = ""                # the delivery being attempted ("" outside the delivery engine)


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
ACTION_MODULES: list[str] = [
    "handlers.vendors.foxoms",
    "handlers.vendors.itglue",
    "handlers.vendors.fiwit",
    "handlers.vendors.foxtag",
    "handlers.vendors.accutics",
    "handlers.vendors.http_post",
]


class ClientAction(Action):
    """An action that talks to one vendor client; plan() and run() share `perform()`.

    `perform(client, args, state)` makes its calls through `client.call()`. When planning,
    the client records each PreparedRequest instead of sending it (and call() returns
    None), so explain shows exactly what run() sends.
    """

    client_class = None

    def perform(self, client, args, state):
        raise NotImplementedError

    def plan(self, args, config):
        client = self.client_class.from_config(config)
        client.planned = []
        self.perform(client, args, {})
        return client.planned

    def run(self, args, ctx):
        client = self.client_class.from_config(ctx.config, ctx.session, ctx.before_request)
        return self.perform(client, args, ctx.state)


def result_from(client, answer, **details):
    """An ActionResult for a vendor answer (None while planning)."""
    if answer is None:
        return None
    from handlers.vendors.client import excerpt

    return ActionResult(status=answer.status, response_excerpt=excerpt(answer.text, client.secrets()), details=details)


class RequestAction(ClientAction):
    """`<vendor>.request`: any documented call below the vendor's base URL."""

    required = ("path",)
    optional = ("method", "query", "json")

    def perform(self, client, args, state):
        prepared = client.prepare_request(args.get("method", "GET"), args["path"], args.get("query"), args.get("json"))
        return result_from(client, client.call(prepared))

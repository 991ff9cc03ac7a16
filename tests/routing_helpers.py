"""A stand-in action for routing tests, so they do not depend on which vendor actions exist.

It is a real Action registered the normal way (handlers.actions.ACTIONS), for the
duration of one test.
"""
import pytest

from handlers.actions import ACTIONS, Action, ActionResult, load_all
from handlers.vendors.request import PreparedRequest

ECHO_SECRET = "echo-secret-value-123"


class EchoAction(Action):
    name = "test.echo"
    vendor = "test"
    required = ("url",)
    optional = ("json", "headers")

    def plan(self, args, config):
        headers = {"Authorization": f"Bearer {config.get('TEST_ECHO_TOKEN', ECHO_SECRET)}", **(args.get("headers") or {})}
        return [PreparedRequest("POST", args["url"], headers, json=args.get("json"))]

    def run(self, args, ctx):
        return ActionResult(status=200, response_excerpt="echoed")


@pytest.fixture
def echo_action(monkeypatch):
    load_all()
    monkeypatch.setitem(ACTIONS, EchoAction.name, EchoAction())
    return ACTIONS[EchoAction.name]

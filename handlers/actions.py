"""The `call:` names a route may use (docs/routes.md "Actions"), in one table: ACTIONS.

Routing checks `call` and arg names against ACTIONS; explain shows `plan()`; the
delivery task calls `run()`. This layer sits above handlers/vendors/: each row names a
vendor client class, and by default `<vendor>.<method>` is `<Client>.<method>(**args)`
(the required args by name, each optional one or None) with the answer read into an
ActionResult (`id_of` reads the id the vendor created). A call that is more than one
client method names its own `send(client, args, ctx)` (foxtag.upsert, http.post).
Vendor quirks live in the vendor clients, not here.
"""
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests

from handlers.redact import excerpt
from handlers.signing import SecretError, secret_key
from handlers.vendors.accutics import AccuticsClient
from handlers.vendors.fiwit import FiwitClient, written_id
from handlers.vendors.foxoms import FoxOMSClient, status_id
from handlers.vendors.foxtag import FoxtagClient
from handlers.vendors.http_post import WebhookClient
from handlers.vendors.itglue import ITGlueClient, created_id


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
    """One `call:`: name, vendor, required/optional arg names, plan() and run()."""

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


def result_from(client, answer, **details):
    """An ActionResult for a vendor answer (None while planning)."""
    if answer is None:
        return None
    return ActionResult(status=answer.status, response_excerpt=excerpt(answer.text, client.secrets()), details=details)


class Call(Action):
    """A row of ACTIONS: one vendor client class and how the call is sent through it.

    plan() and run() share send(): when planning, the client records each PreparedRequest
    instead of sending it (and its methods answer None), so explain shows exactly what
    run() sends.
    """

    def __init__(self, name, client_class, required=(), optional=(), id_of=None, send=None, check=None):
        self.name = name
        self.vendor = client_class.vendor
        self.client_class = client_class
        self.required = tuple(required)
        self.optional = tuple(optional)
        self.method = name.split(".", 1)[1]
        self.id_of = id_of          # answer -> the id the vendor created (details["id"])
        self.custom_send = send     # send(client, args, ctx), for a call that is not one method
        self.check = check          # args -> more problems, found at load

    def check_args(self, args):
        return super().check_args(args) + (self.check(args) if self.check else [])

    def plan(self, args, config):
        client = self.client_class.from_config(config)
        client.planned = []
        self.send(client, args, ActionContext(config=config, session=None))
        return client.planned

    def run(self, args, ctx):
        client = self.client_class.from_config(ctx.config, ctx.session, ctx.before_request)
        return self.send(client, args, ctx)

    def send(self, client, args, ctx):
        if self.custom_send is not None:
            return self.custom_send(client, args, ctx)
        arguments = {**{name: args[name] for name in self.required}, **{name: args.get(name) for name in self.optional}}
        answer = getattr(client, self.method)(**arguments)
        if answer is None:
            return None
        return result_from(client, answer, **({"id": self.id_of(answer)} if self.id_of else {}))


def upsert_in_batches(client, args, ctx):
    """foxtag.upsert: batches of at most 100; progress in state so a retry sends only unsent records.

    state["foxtag_sent"]: indexes of records whose batch the vendor answered (success or
    with_errors); state["record_failures"]: the with_errors results so far.
    """
    records, state = args["records"], ctx.state
    sent = set(state.get("foxtag_sent", []))
    failures = state.setdefault("record_failures", [])
    answer, batches = None, 0
    for indexes, answer in client.upsert_batches(args["resource"], records, skip=sent):
        if answer is None:  # planning
            continue
        batches += 1
        failures.extend(client.record_failures(answer, records, indexes))
        sent.update(indexes)
        state["foxtag_sent"] = sorted(sent)
    if client.planned is not None:
        return None
    return ActionResult(
        status=answer.status if answer is not None else None,
        response_excerpt=excerpt(answer.text, client.secrets()) if answer is not None else "",
        record_failures=list(failures),
        details={"records": len(records), "batches_sent": batches, "failed": len(failures)},
    )


def webhook_id_for(delivery_id):
    """The Standard Webhooks `webhook-id` of a delivery: the same for every attempt and re-send."""
    return "msg_" + hashlib.sha256(str(delivery_id).encode()).hexdigest()[:32]


def post_webhook(client, args, ctx):
    """http.post: when signing, one webhook-id for every attempt of the delivery, so receivers
    can deduplicate. Derived from the delivery id rather than drawn at random: an attempt cut
    short by a crash (kill -9) never stores its state, and the re-sent attempt must carry the
    same id. (Outside a delivery, e.g. explain, it is random.)"""
    webhook_id = None
    if args.get("sign"):
        first = webhook_id_for(ctx.delivery_id) if ctx.delivery_id else f"msg_{uuid.uuid4().hex}"
        webhook_id = ctx.state.setdefault("webhook_id", first)
    answer = client.post(args["url"], args["json"], args.get("headers"), args.get("sign"), webhook_id=webhook_id)
    return result_from(client, answer)


def sign_problems(args):
    """A literal `sign:` (not a template, not an unset ${VAR}) must be a signing secret at load."""
    sign = args.get("sign")
    if isinstance(sign, str) and not any(mark in sign for mark in ("{{", "{%", "${")):
        try:
            secret_key(sign)
        except SecretError as exc:
            return [f"args.sign: {exc}"]
    return []


REQUEST_ARGS = {"required": ("path",), "optional": ("method", "query", "json")}

ACTIONS: dict[str, Action] = {call.name: call for call in (
    Call("foxoms.create", FoxOMSClient, ("module", "fields"), id_of=status_id),
    Call("foxoms.update", FoxOMSClient, ("module", "id", "fields"), id_of=status_id),
    Call("foxoms.delete", FoxOMSClient, ("module", "id"), id_of=status_id),
    Call("foxoms.request", FoxOMSClient, **REQUEST_ARGS),
    Call("itglue.create", ITGlueClient, ("type", "attributes"), ("organization_id",), id_of=created_id),
    Call("itglue.update", ITGlueClient, ("type", "id", "attributes"), ("organization_id",), id_of=created_id),
    Call("itglue.request", ITGlueClient, **REQUEST_ARGS),
    Call("fiwit.create_ticket", FiwitClient, ("fields",), id_of=written_id),
    Call("fiwit.update_ticket", FiwitClient, ("id", "fields"), id_of=written_id),
    Call("fiwit.create_asset", FiwitClient, ("fields",), id_of=written_id),
    Call("fiwit.update_asset", FiwitClient, ("id", "fields"), id_of=written_id),
    Call("fiwit.request", FiwitClient, **REQUEST_ARGS),
    Call("foxtag.upsert", FoxtagClient, ("resource", "records"), send=upsert_in_batches),
    Call("foxtag.request", FoxtagClient, **REQUEST_ARGS),
    Call("accutics.request", AccuticsClient, **REQUEST_ARGS),
    Call("http.post", WebhookClient, ("url", "json"), ("headers", "sign"), send=post_webhook, check=sign_problems),
)}


def get_action(name):
    try:
        return ACTIONS[name]
    except KeyError:
        raise KeyError(f"unknown call {name!r}") from None


def load_all():
    """ACTIONS (the table is complete at import; kept for callers that ask for it)."""
    return ACTIONS

"""Explain: which routes an event would match and the exact calls they would make.

Nothing is sent and nothing is stored. Each matching route lists its actions with the
requests `Action.plan()` prepares (secrets hidden: every ${VAR} value, token and
credential); each other route says why not: its `source`, its `events` globs, or the
first failing `filter` key. An action whose args do not render for this event (any
template error, or an arg over MAX_BODY_BYTES) is what its delivery would die of:
explain raises ActionsNotRenderable (422) naming each such action and its error.
"""
from handlers import actions as action_registry
from handlers.errors import ServiceError
from handlers.inbound.payload import foxoms_record, load_incoming
from handlers.inbound.sources import body_options
from handlers.redact import known_secrets, scrub, scrub_text
from handlers.routing.match import judge_routes
from handlers.routing.templates import TemplateRenderError, render_args
from handlers.routing.route import template_context
from handlers.store.codec import iso, now

EXPLAIN_EVENT_ID = "evt_explain"


class ActionsNotRenderable(ServiceError):
    """A matching action's args cannot be rendered for this event; `fields` names each."""

    status = 422
    code = "template_error"


def explain(rules, source, event_name, payload, config):
    """{"source": {name, formats, lenient_types, batch}, "matches": [...], "not_matched": [...]}
    for an event that is not stored (an unknown source shows only its name)."""
    event = {"id": EXPLAIN_EVENT_ID, "source": source, "name": event_name,
             "received_at": iso(now()), "payload": payload}
    context = template_context(event)
    secrets = known_secrets(config, rules)
    matches, not_matched, unrenderable = [], [], {}
    for verdict in judge_routes(rules.routes, source, event_name, payload):
        route = verdict.route
        if verdict.matched:
            actions = []
            for action in route["actions"]:
                try:
                    actions.append(explain_action(action, context, config))
                except TemplateRenderError as exc:
                    unrenderable[f"{route['id']}.{action['id']}"] = [scrub_text(exc, secrets)]
            matches.append({"route": route["id"], "actions": actions})
        else:
            miss = {"route": route["id"], "reason": verdict.reason}
            if verdict.reason == "filter":
                miss["key"] = verdict.key
            not_matched.append(miss)
    if unrenderable:
        raise ActionsNotRenderable(
            f"{len(unrenderable)} matching action(s) cannot be rendered for this event; "
            "each would be a dead delivery (TemplateRenderError)", unrenderable)
    configured = rules.source(source)
    shown_source = {"name": source, **(body_options(configured) if configured else {})}
    return scrub({"source": shown_source, "matches": matches, "not_matched": not_matched}, secrets)


def stored_payload(rules, source, body):
    """What the inbound path would store: a FoxOMS body (`{"data": ...}`) becomes its record;
    a `lenient_types` source's "7" for a declared integer becomes 7 (InvalidPayload if bad)."""
    config = rules.source(source) or {}
    if config.get("type") == "foxoms":
        return foxoms_record(body)[0]
    if config.get("lenient_types"):
        return load_incoming(config["payload_schemas"]["lenient"], body)
    return body


def explain_action(action, context, config):
    """What one action would call; raises TemplateRenderError when its args do not render."""
    answer = {"id": action["id"], "call": action["call"]}
    args = render_args(action["args"], context, config.get("MAX_BODY_BYTES"))
    answer["args"] = args
    handler = action_registry.load_all().get(action["call"])
    if handler is None:
        answer["error"] = f"unknown call {action['call']!r}"
        return answer
    try:
        answer["requests"] = [request.redacted() for request in handler.plan(args, config)]
    except Exception as exc:  # a plan that cannot be made is what the delivery would hit
        answer["error"] = f"{type(exc).__name__}: {exc}"
    return answer

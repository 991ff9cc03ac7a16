"""GET /console/events (filters, cursor pages, auto-refresh), GET /console/events/<id>,
POST /console/events/<id>/replay (the whole event, or one delivery with `delivery`)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from handlers.admin import params
from handlers.admin.queries import event_detail, list_events
from handlers.admin.replay import replay_event
from handlers.console.auth import csrf_protected
from handlers.console.blueprint import blueprint
from handlers.routing.entity import normalise_entity
from handlers.store.events import EVENT_STATUSES
from handlers.redact import app_secrets

FILTERS = ("status", "source", "event", "entity", "since", "until")
REFRESH_SECONDS = 10
PAGE_SIZE = 50


def _redis():
    return current_app.extensions["redis"]


@blueprint.get("/events")
def events():
    args = MultiDict((name, value.strip()) for name, value in request.args.items(multi=True) if name != "refresh")
    if args.get("entity"):
        args["entity"] = normalise_entity(args["entity"])
    args.setdefault("limit", str(PAGE_SIZE))
    query = params.load(params.event_list_schema, args)
    answer = list_events(_redis(), **query)
    filters = {name: args[name] for name in FILTERS if args.get(name)}
    refresh = request.args.get("refresh", "on") != "off" and not args.get("cursor")
    rules = current_app.extensions.get("rules")
    return render_template("console/events.html", events=answer["events"], next_cursor=answer["next_cursor"],
                           filters=filters, statuses=EVENT_STATUSES, refresh=refresh,
                           refresh_seconds=REFRESH_SECONDS, paged=bool(args.get("cursor")),
                           sources=sorted(rules.sources) if rules else [])


@blueprint.get("/events/<event_id>")
def event(event_id):
    return render_template("console/event.html", event=event_detail(_redis(), event_id, secrets=app_secrets(current_app)))


@blueprint.post("/events/<event_id>/replay")
@csrf_protected
def event_replay(event_id):
    delivery_id = request.form.get("delivery") or None
    answer = replay_event(_redis(), current_app.extensions["celery"], event_id, delivery_id,
                          current_app.extensions["rules"], config=current_app.config)
    if answer["routing"]:
        flash("The event had no deliveries: it is queued to be routed again.", "ok")
    elif answer["deliveries"]:
        flash(f"Replayed {len(answer['deliveries'])} deliver{'y' if len(answer['deliveries']) == 1 else 'ies'}: "
              + ", ".join(answer["deliveries"]), "ok")
    else:
        flash("Nothing to replay: the event has no dead deliveries.", "info")
    return redirect(url_for("console.event", event_id=event_id))

"""GET /console/routes (the rules as written, secrets hidden) and POST /console/routes/explain
(which routes an event would match, why the others do not, and the exact calls; nothing is sent)."""
import json

import yaml
from flask import current_app, render_template, request

from handlers.console.auth import csrf_protected
from handlers.console.blueprint import blueprint
from handlers.delivery.pause import pauses
from handlers.routing.explain import explain, stored_payload
from handlers.routing.listing import public_rules
from handlers.web.routes_api import loaded_rules

WHY_NOT = {"source": "it listens to another source", "event": "the event name matches none of its `events`",
           "filter": "its filter does not match at"}


def _page(form=None, result=None, problems=None, status=200):
    shown = public_rules(loaded_rules(), current_app.config)
    routes_yaml = [(route.get("id", "?"), yaml.safe_dump(route, sort_keys=False, allow_unicode=True))
                   for route in shown["routes"]]
    return render_template("console/routes.html", rules=shown, routes_yaml=routes_yaml,
                           form=form or {"source": "", "event": "", "payload": "{}"},
                           result=result, problems=problems or {}, why_not=WHY_NOT,
                           paused={row["name"]: row for row in pauses(current_app.extensions["redis"])
                                   if row["kind"] == "route"}), status


@blueprint.get("/routes")
def routes():
    return _page()


@blueprint.post("/routes/explain")
@csrf_protected
def routes_explain():
    form = {name: request.form.get(name, "").strip() for name in ("source", "event", "payload")}
    problems = {name: "required" for name in ("source", "event") if not form[name]}
    try:
        payload = json.loads(form["payload"] or "{}")
        if not isinstance(payload, dict):
            problems["payload"] = "must be a JSON object"
    except ValueError as exc:
        problems["payload"] = f"not valid JSON: {exc}"
    if problems:
        return _page(form, problems=problems, status=422)
    rules = loaded_rules()
    result = explain(rules, form["source"], form["event"], stored_payload(rules, form["source"], payload),
                     current_app.config)
    result_json = json.dumps(result, indent=2, ensure_ascii=False)
    return _page(form, {"answer": result, "json": result_json})

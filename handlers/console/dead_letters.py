"""GET /console/dead-letters (filters by route and vendor, cursor pages),
POST /console/dead-letters/<delivery_id>/replay, and "replay all that match":
GET /console/dead-letters/replay shows how many would be replayed, its form POSTs."""
from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from handlers.admin import params
from handlers.admin.queries import list_dead_letters
from handlers.admin.replay import matching_dead_letters, replay_dead_letters, rerender_and_replay
from handlers.console.auth import csrf_protected
from handlers.console.blueprint import blueprint
from handlers.console.live import vendor_names
from handlers.redact import app_secrets

PAGE_SIZE = 50


def _redis():
    return current_app.extensions["redis"]


def _filters(source):
    return params.load(params.dead_letter_filter_schema,
                       {name: source.get(name, "").strip() for name in ("route", "vendor")})


def _back(filters):
    return redirect(url_for("console.dead_letters", **{k: v for k, v in filters.items() if v}))


@blueprint.get("/dead-letters")
def dead_letters():
    args = MultiDict((name, value.strip()) for name, value in request.args.items(multi=True))
    args.setdefault("limit", str(PAGE_SIZE))
    query = params.load(params.dead_letter_list_schema, args)
    answer = list_dead_letters(_redis(), **query, secrets=app_secrets(current_app))
    rules = current_app.extensions.get("rules")
    filters = {name: query[name] for name in ("route", "vendor") if query[name]}
    return render_template("console/dead_letters.html", letters=answer["dead_letters"],
                           next_cursor=answer["next_cursor"], filters=filters, paged=bool(query["cursor"]),
                           routes=[route["id"] for route in rules.routes] if rules else [],
                           vendors=list(vendor_names()))


@blueprint.post("/dead-letters/<delivery_id>/replay")
@csrf_protected
def dead_letter_replay(delivery_id):
    rerender_and_replay(_redis(), current_app.extensions["celery"], delivery_id, current_app.extensions["rules"],
                        config=current_app.config)
    flash(f"Replayed {delivery_id}: it is queued and starts its retry schedule again.", "ok")
    return _back(_filters(request.form))


@blueprint.get("/dead-letters/replay")
def dead_letters_confirm():
    filters = _filters(request.args)
    count = len(matching_dead_letters(_redis(), **filters))
    return render_template("console/dead_letters_confirm.html", filters=filters, count=count)


@blueprint.post("/dead-letters/replay")
@csrf_protected
def dead_letters_replay():
    filters = _filters(request.form)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("console.dead_letters_confirm", **{k: v for k, v in filters.items() if v}))
    answer = replay_dead_letters(_redis(), current_app.extensions["celery"], **filters,
                                 rules=current_app.extensions["rules"], config=current_app.config)
    flash(f"Replayed {answer['replayed']} dead letter{'' if answer['replayed'] == 1 else 's'}.", "ok")
    return _back(filters)

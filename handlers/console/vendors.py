"""GET /console/vendors: each vendor's rate limit and its use right now, its cooldown,
breaker and pause, and whether its credential is set; POST .../<vendor>/pause|resume."""
from flask import current_app, flash, redirect, render_template, url_for

from handlers.admin.steering import host_breakers, pause_target, resume_target
from handlers.console.auth import csrf_protected
from handlers.console.blueprint import blueprint
from handlers.console.live import vendor_states


@blueprint.get("/vendors")
def vendors():
    redis_client = current_app.extensions["redis"]
    return render_template("console/vendors.html", vendors=vendor_states(redis_client, current_app.config),
                           hosts=host_breakers(redis_client))


STEER = {"vendors": ("vendor", "console.vendors"), "routes": ("route", "console.routes")}


@blueprint.post("/<any(vendors, routes):kinds>/<name>/<any(pause, resume):action>")
@csrf_protected
def steer(kinds, name, action):
    """The Pause and Resume buttons of the vendors and routes pages."""
    kind, page = STEER[kinds]
    label = name if kind == "vendor" else f"route {name}"
    if action == "pause":
        pause_target(current_app, kind, name)
        flash(f"Paused {label}: its deliveries wait (status paused) until you resume it.", "ok")
    else:
        answer = resume_target(current_app, kind, name)
        flash(f"Resumed {label}: {answer['released']} waiting deliveries sent, in creation order.", "ok")
    return redirect(url_for(page))

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


@blueprint.post("/vendors/<vendor>/pause")
@csrf_protected
def vendor_pause(vendor):
    pause_target(current_app, "vendor", vendor)
    flash(f"Paused {vendor}: its deliveries wait (status paused) until you resume it.", "ok")
    return redirect(url_for("console.vendors"))


@blueprint.post("/vendors/<vendor>/resume")
@csrf_protected
def vendor_resume(vendor):
    answer = resume_target(current_app, "vendor", vendor)
    flash(f"Resumed {vendor}: {answer['released']} waiting deliveries sent, in creation order.", "ok")
    return redirect(url_for("console.vendors"))

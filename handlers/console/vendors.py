"""GET /console/vendors: each vendor's rate limit and its use right now, its cooldown,
and whether its credential is set."""
from flask import current_app, render_template

from handlers.console.blueprint import blueprint
from handlers.console.live import vendor_states


@blueprint.get("/vendors")
def vendors():
    return render_template("console/vendors.html",
                           vendors=vendor_states(current_app.extensions["redis"], current_app.config))

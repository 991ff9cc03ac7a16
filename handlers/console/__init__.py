"""The operator's console at /console (docs/console.md): server-rendered HTML pages
over the admin API's own query and replay functions, behind an ADMIN_TOKEN login.

One module per page (overview, events, dead_letters, routes, vendors), auth.py for the
session and CSRF, errors.py for the HTML error pages; templates and the stylesheet are
served by the app (no CDN, no script).
"""
from handlers.console import auth, dead_letters, errors, events, overview, routes, vendors  # noqa: F401
from handlers.console.blueprint import blueprint


def init_app(app):
    auth.configure(app)
    app.register_blueprint(blueprint)

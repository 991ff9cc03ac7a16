"""The console's one blueprint, shared by its page modules, and the headers every answer gets."""
import json

from flask import Blueprint, current_app

from handlers.sandbox.vendors import sandboxed_vendors

blueprint = Blueprint("console", __name__, url_prefix="/console",
                      template_folder="templates", static_folder="static")

# No script runs in the console at all, whatever a stored payload holds; forms post only here.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@blueprint.after_request
def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@blueprint.context_processor
def sandbox_banner():
    """Every console page says which vendors the built-in sandbox serves."""
    return {"sandboxed": sandboxed_vendors(current_app.config)}


@blueprint.app_template_filter("pretty_json")
def pretty_json(value):
    """Indented JSON as text; the template's autoescape makes it safe to show."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)

"""`flask routes check` and `flask routes explain --source S --event E FILE`."""
import json

import click
from flask import current_app
from flask.cli import AppGroup

from handlers.errors import InvalidJSON, ServiceError
from handlers.inbound import strict_json
from handlers.inbound.sources import body_options
from handlers.routing.explain import explain, stored_payload
from handlers.rules import RulesError, load_rules
from handlers.cli.steer import register_steering
from handlers.sandbox.status import vendor_warnings

routes_cli = AppGroup("routes", help="The rules file: check it, explain what an event would do.")


def _load(path):
    """The rules at `path` (default ROUTES_FILE), or exit 1 listing every problem."""
    path = path or current_app.config["ROUTES_FILE"]
    try:
        return load_rules(path)
    except RulesError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None


@routes_cli.command("check")
@click.option("--file", "--routes", "path", help="Rules file (default: ROUTES_FILE).")
def check(path):
    """Validate the rules file: schema, sources, calls, globs, filters, templates, ${VAR}s."""
    rules = _load(path)
    actions = sum(len(route["actions"]) for route in rules.routes)
    click.echo(f"OK {rules.path}: {len(rules.sources)} sources, {len(rules.routes)} routes, {actions} actions")
    for name, source in rules.sources.items():
        click.echo(f"  source {name} ({source['type']}): {describe_body_options(body_options(source))}")
    for alert in rules.alerts:
        click.echo(f"  alert {alert['id']}: {', '.join(alert['on'])} -> {alert['call']}; "
                   f"throttle {alert.get('throttle') or 'none'}")
    for warning in vendor_warnings(current_app.config, rules, name_routes=True):
        click.echo(f"warning: {warning}", err=True)


def describe_body_options(options):
    """`formats json, form; lenient_types off (form bodies always lenient); batch on`."""
    formats = options["formats"]
    lenient = "on" if options["lenient_types"] else "off"
    if "form" in formats and not options["lenient_types"]:
        lenient += " (form bodies always lenient)"
    return f"formats {', '.join(formats)}; lenient_types {lenient}; batch {'on' if options['batch'] else 'off'}"


@routes_cli.command("explain")
@click.option("--source", required=True, help="Source name, e.g. foxoms.")
@click.option("--event", "event_name", required=True, help="Event name, e.g. bookingCreated.")
@click.option("--routes", "path", help="Rules file (default: ROUTES_FILE).")
@click.argument("payload_file", metavar="FILE", type=click.File("rb"))
def explain_command(source, event_name, path, payload_file):
    """Print which routes FILE (a JSON payload) matches and the calls they would make."""
    rules = _load(path)
    try:
        payload = strict_json.loads(payload_file.read())  # what the inbound path would take
    except InvalidJSON as exc:
        raise click.ClickException(f"{payload_file.name}: not JSON: {exc.message}") from None
    if not isinstance(payload, dict):
        raise click.ClickException(f"{payload_file.name}: the payload must be a JSON object")
    try:
        answer = explain(rules, source, event_name, stored_payload(rules, source, payload), current_app.config)
    except ServiceError as exc:  # the API's 422s: the same JSON error, on stderr, exit 1
        error = {"code": exc.code, "message": exc.message, **({"fields": exc.fields} if exc.fields else {})}
        click.echo(json.dumps({"error": error}, indent=2), err=True)
        raise SystemExit(1) from None
    click.echo(json.dumps(answer, indent=2))


# `flask routes pause|resume ROUTE`: registered here, since `flask routes` is loaded from the
# flask.commands entry point before the app (and so before handlers.cli.steer) is imported.
register_steering(routes_cli, "route")


def init_app(app):
    app.cli.add_command(routes_cli)

"""`flask routes check` and `flask routes explain --source S --event E FILE`."""
import json

import click
from flask import current_app
from flask.cli import AppGroup

from handlers.errors import ServiceError
from handlers.routing.explain import explain, stored_payload
from handlers.rules import RulesError, load_rules
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
    for warning in vendor_warnings(current_app.config, rules, name_routes=True):
        click.echo(f"warning: {warning}", err=True)


@routes_cli.command("explain")
@click.option("--source", required=True, help="Source name, e.g. foxoms.")
@click.option("--event", "event_name", required=True, help="Event name, e.g. bookingCreated.")
@click.option("--routes", "path", help="Rules file (default: ROUTES_FILE).")
@click.argument("payload_file", metavar="FILE", type=click.File("r", encoding="utf-8"))
def explain_command(source, event_name, path, payload_file):
    """Print which routes FILE (a JSON payload) matches and the calls they would make."""
    rules = _load(path)
    try:
        payload = json.load(payload_file)
    except ValueError as exc:
        raise click.ClickException(f"{payload_file.name}: not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise click.ClickException(f"{payload_file.name}: the payload must be a JSON object")
    try:
        payload = stored_payload(rules, source, payload)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    answer = explain(rules, source, event_name, payload, current_app.config)
    click.echo(json.dumps(answer, indent=2))


def init_app(app):
    app.cli.add_command(routes_cli)

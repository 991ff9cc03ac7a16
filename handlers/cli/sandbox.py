"""`flask sandbox calls [VENDOR] [--limit N]`: the calls the sandbox servers answered."""
import json

import click
from flask import current_app
from flask.cli import AppGroup

from handlers.sandbox.calls import recent_calls
from handlers.sandbox.vendors import SANDBOXES

sandbox_cli = AppGroup("sandbox", help="The vendor sandbox that `make run` starts for vendors without credentials.")


@sandbox_cli.command("calls")
@click.argument("vendor", required=False, type=click.Choice(list(SANDBOXES)))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
def calls_command(vendor, limit):
    """Print the newest calls (method, path, status, body), newest first, one JSON per line."""
    vendors = [vendor] if vendor else list(SANDBOXES)
    calls = recent_calls(current_app.extensions["redis"], vendors, limit)
    if not calls:
        click.echo("no sandbox calls recorded", err=True)
    for call in calls:
        click.echo(json.dumps(call))


def init_app(app):
    app.cli.add_command(sandbox_cli)

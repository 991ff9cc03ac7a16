"""`flask send SOURCE EVENT FILE`: post a sample through the real HTTP path."""
import json
import time
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext

from handlers.signing import secret_keys, signature


def request_for(source_name, source, event, body):
    """(path, headers) for posting `body` to a configured source as its sender would."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {source['tokens'][0]}"}
    path = f"/hooks/foxoms/{event}" if source["type"] == "foxoms" else f"/hooks/incoming/{source_name}"
    if source.get("signing_secret"):
        msg_id, timestamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
        key = secret_keys(source["signing_secret"])[0]
        headers.update({"webhook-id": msg_id, "webhook-timestamp": timestamp,
                        "webhook-signature": signature(key, msg_id, timestamp, body)})
    return path, headers


@click.command("send")
@with_appcontext
@click.argument("source_name", metavar="SOURCE")
@click.argument("event")
@click.argument("file", type=click.File("rb"))
def send_command(source_name, event, file):
    """Post FILE as SOURCE's EVENT (the event is in the path for FoxOMS; an incoming
    hook names its event in the payload) and print the answer."""
    rules = current_app.extensions.get("rules")
    if rules is None:
        raise click.ClickException("the routes file is not usable; run `flask routes check`")
    source = rules.sources.get(source_name)
    if source is None:
        raise click.ClickException(f"no source named {source_name!r} in the routes file")
    body = file.read()
    path, headers = request_for(source_name, source, event, body)
    response = current_app.test_client().post(path, data=body, headers=headers)
    click.echo(f"{response.status_code}")
    click.echo(json.dumps(response.get_json(silent=True), indent=2))
    if not 200 <= response.status_code < 300:
        raise SystemExit(1)


def init_app(app):
    app.cli.add_command(send_command)

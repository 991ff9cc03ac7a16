"""`flask send SOURCE EVENT FILE [--url URL]`: post a sample to the running web process,
over HTTP, as the source's sender would (its first token, signed when it has a secret)."""
import json
import time
import uuid

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

from handlers.signing import secret_keys, signature

SEND_TIMEOUT_SECONDS = (5, 30)  # connect, read


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
@click.option("--url", "base_url", help="The web process (default: PUBLIC_BASE_URL).")
def send_command(source_name, event, file, base_url):
    """Post FILE as SOURCE's EVENT to the web process (the event is in the path for
    FoxOMS; an incoming hook names its event in the payload) and print the answer."""
    rules = current_app.extensions.get("rules")
    if rules is None:
        raise click.ClickException("the routes file is not usable; run `./hooks routes check`")
    source = rules.sources.get(source_name)
    if source is None:
        raise click.ClickException(f"no source named {source_name!r} in the routes file")
    body = file.read()
    path, headers = request_for(source_name, source, event, body)
    url = (base_url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + path
    try:
        response = requests.post(url, data=body, headers=headers, timeout=SEND_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        raise click.ClickException(f"no answer from {url} ({type(exc).__name__}): is `make run` up?") from None
    click.echo(f"{response.status_code}")
    try:
        click.echo(json.dumps(response.json(), indent=2))
    except ValueError:
        click.echo(response.text[:2048])
    if not 200 <= response.status_code < 300:
        raise SystemExit(1)


def init_app(app):
    app.cli.add_command(send_command)

"""`flask foxoms subscriptions list|sync|delete`: our FoxOMS rest-hook subscriptions."""
import click
from flask import current_app
from flask.cli import AppGroup

from handlers.delivery.ratelimit import parse_limit, stretched_window
from handlers.errors import RulesUnavailable
from handlers.inbound import foxoms_subscriptions as subs
from handlers.inbound.errors import UnknownSource
from handlers.inbound.sources import FOXOMS, find_source
from handlers.redact import known_secrets, scrub_text
from handlers.vendors.errors import VendorError
from handlers.vendors.foxoms import FoxOMSClient

foxoms_cli = AppGroup("foxoms", help="FoxOMS integration.")
subscriptions_cli = AppGroup("subscriptions", help="FoxOMS rest-hook subscriptions (/resthook).")
foxoms_cli.add_command(subscriptions_cli)


def _client():
    """The FoxOMS client and its pacing: requests spaced by FOXOMS_RATE_LIMIT, with the delivery
    engine's jitter margin ('1/second': 1.04 s apart)."""
    config = current_app.config
    try:
        limit = parse_limit(config.get("FOXOMS_RATE_LIMIT"))
    except ValueError as exc:
        raise click.ClickException(f"FOXOMS_RATE_LIMIT: {exc}") from None
    pacing = subs.Pacing(stretched_window(limit[1]) / limit[0] if limit else 0.0)
    return FoxOMSClient.from_config(config, before_request=pacing.before_request), pacing


def _source():
    try:
        return find_source(current_app.extensions.get("rules"), current_app.extensions.get("rules_error"), FOXOMS, FOXOMS)
    except (RulesUnavailable, UnknownSource) as exc:
        raise click.ClickException(exc.message) from None


def _redacted(url):
    return scrub_text(url, known_secrets(current_app.config, current_app.extensions.get("rules")))


def _run(action):
    try:
        return action()
    except VendorError as exc:
        raise click.ClickException(str(exc)) from None


@subscriptions_cli.command("list")
def list_command():
    """Every active subscription; ours are marked with *."""
    base = current_app.config["PUBLIC_BASE_URL"]
    client, pacing = _client()
    for hook in _run(lambda: subs.list_hooks(client, pacing)):
        mark = "*" if subs.ours(hook, base) else " "
        click.echo(f"{mark} {hook.get('id')}\t{hook.get('event_name')}\t{_redacted(hook.get('target_url'))}")


@subscriptions_cli.command("sync")
def sync_command():
    """Subscribe the foxoms source's `events` at PUBLIC_BASE_URL; delete stale ones of ours."""
    _, source = _source()
    base = current_app.config["PUBLIC_BASE_URL"]
    client, pacing = _client()
    result = _run(lambda: subs.sync(client, pacing, source["events"], base, source["tokens"][0]))
    for event, hook_id in result["created"]:
        click.echo(f"created {hook_id}\t{event}")
    for hook_id in result["deleted"]:
        click.echo(f"deleted {hook_id}")
    if not result["created"] and not result["deleted"]:
        click.echo("up to date")


@subscriptions_cli.command("delete")
@click.argument("ids", nargs=-1)
@click.option("--all-ours", is_flag=True, help="Delete every subscription pointing at PUBLIC_BASE_URL.")
def delete_command(ids, all_ours):
    """Delete subscriptions by id, or all of ours with --all-ours."""
    if not ids and not all_ours:
        raise click.UsageError("give subscription ids or --all-ours")
    client, pacing = _client()
    if all_ours:
        base = current_app.config["PUBLIC_BASE_URL"]
        hooks = _run(lambda: subs.list_hooks(client, pacing))
        ids = tuple(ids) + tuple(str(h["id"]) for h in hooks if subs.ours(h, base))
    for hook_id in dict.fromkeys(ids):
        _run(lambda: subs.delete(client, pacing, hook_id))
        click.echo(f"deleted {hook_id}")


def init_app(app):
    app.cli.add_command(foxoms_cli)

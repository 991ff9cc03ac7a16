"""`flask events list|replay` and `flask dead-letters list|replay`: the admin API's
queries and replays from a shell (same functions, no HTTP, no token)."""
import json

import click
from flask import current_app
from flask.cli import AppGroup

from handlers.admin.cursor import BadCursor, decode_cursor
from handlers.admin.errors import DeliveryInFlight, NotFound, NotRenderable
from handlers.admin.ids import DELIVERY_ID, EVENT_ID, require_replay_ids
from handlers.admin.params import DEFAULT_LIMIT, MAX_LIMIT
from handlers.admin.queries import list_dead_letters, list_events
from handlers.admin.replay import replay_dead_letters, replay_event
from handlers.redact import app_secrets
from handlers.store.events import EVENT_STATUSES

events_cli = AppGroup("events", help="Stored events.")
dead_letters_cli = AppGroup("dead-letters", help="Dead-lettered deliveries.")
limit_option = click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True)
cursor_option = click.option("--cursor", default=None, help="Continue from a `next cursor` printed before.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer.")


def _services():
    return current_app.extensions["redis"], current_app.extensions["celery"]


def _cursor(text, member_shape):
    try:
        return decode_cursor(text, member_shape) if text else None
    except BadCursor as exc:
        raise click.BadParameter(str(exc), param_hint="--cursor") from exc


def _print_page(answer, items_key, columns, as_json):
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    for item in answer[items_key]:
        click.echo("\t".join(str(column(item)) for column in columns))
    if answer["next_cursor"]:
        click.echo(f"next cursor: {answer['next_cursor']}")


@events_cli.command("list")
@click.option("--status", type=click.Choice(EVENT_STATUSES))
@click.option("--source")
@click.option("--event", help="Exact event name.")
@limit_option
@cursor_option
@json_option
def events_list(status, source, event, limit, cursor, as_json):
    """Events, newest first: id, received at, source, event, status, deliveries."""
    redis_client, _ = _services()
    answer = list_events(redis_client, limit, _cursor(cursor, EVENT_ID), status=status, source=source, event=event)
    columns = (lambda e: e["id"], lambda e: e["received_at"], lambda e: e["source"], lambda e: e["name"],
               lambda e: e["status"], _deliveries_column)
    _print_page(answer, "events", columns, as_json)


def _deliveries_column(event):
    """`2 deliveries`, or `2 deliveries, 1 retrying (next 2026-12-01T09:00:05.000Z)`."""
    counts = event["deliveries"]
    text = f"{counts['total']} deliveries"
    if counts["retrying"]:
        text += f", {counts['retrying']} retrying (next {event['next_attempt_at'] or 'when re-queued'})"
    return text


@events_cli.command("replay")
@click.argument("event_id")
@click.option("--delivery", "delivery_id", help="Replay only this delivery of the event.")
def events_replay(event_id, delivery_id):
    """Re-queue the event's dead deliveries (or route it again if it has none)."""
    try:
        require_replay_ids(event_id, delivery_id)
        queued = replay_event(*_services(), event_id, delivery_id, current_app.extensions["rules"],
                              config=current_app.config)
    except (NotFound, DeliveryInFlight, NotRenderable) as exc:
        raise click.ClickException(exc.message) from exc
    if queued["routing"]:
        click.echo(f"queued {event_id} for routing")
    for queued_id in queued["deliveries"]:
        click.echo(f"queued delivery {queued_id}")
    if not queued["routing"] and not queued["deliveries"]:
        click.echo(f"nothing to replay: {event_id} has no dead delivery (use --delivery ID)")


@dead_letters_cli.command("list")
@click.option("--route")
@click.option("--vendor")
@limit_option
@cursor_option
@json_option
def dead_letters_list(route, vendor, limit, cursor, as_json):
    """Dead deliveries, most recent first: id, died at, call, attempts, last error."""
    redis_client, _ = _services()
    answer = list_dead_letters(redis_client, limit, _cursor(cursor, DELIVERY_ID), route=route, vendor=vendor,
                               secrets=app_secrets(current_app))
    columns = (lambda d: d["delivery_id"], lambda d: d["died_at"], lambda d: d["call"],
               lambda d: f"{d['attempts']} attempts", lambda d: d["last_error"] or "")
    _print_page(answer, "dead_letters", columns, as_json)


@dead_letters_cli.command("replay")
@click.option("--route")
@click.option("--vendor")
def dead_letters_replay(route, vendor):
    """Re-queue every dead delivery (or only those of --route / --vendor)."""
    answer = replay_dead_letters(*_services(), route=route, vendor=vendor, rules=current_app.extensions["rules"],
                                 config=current_app.config)
    for delivery_id in answer["delivery_ids"]:
        click.echo(f"queued delivery {delivery_id}")
    click.echo(f"replayed {answer['replayed']} dead letters")


def init_app(app):
    app.cli.add_command(events_cli)
    app.cli.add_command(dead_letters_cli)

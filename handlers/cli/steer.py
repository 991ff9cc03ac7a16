"""`flask vendors list|pause|resume <vendor>` and `flask routes pause|resume <route id>`."""
import click
from flask import current_app
from flask.cli import AppGroup

from handlers.admin.errors import NotFound
from handlers.admin.steering import host_breakers, pause_target, resume_target
from handlers.console.live import vendor_states

vendors_cli = AppGroup("vendors", help="Vendors: their limit, breaker and pause; pause and resume them.")


def _steer(action, kind, name):
    try:
        answer = action(current_app, kind, name)
    except NotFound as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(1) from None
    if answer["paused"]:
        click.echo(f"{kind} {name} paused" + ("" if answer["changed"] else " (already)"))
    else:
        click.echo(f"{kind} {name} resumed: {answer['released']} waiting deliveries sent")


@vendors_cli.command("list")
def list_vendors():
    """Each vendor: rate limit, breaker, pause, sandbox."""
    redis_client = current_app.extensions["redis"]
    for row in vendor_states(redis_client, current_app.config):
        limit = f"{row['limit'][0]}/{row['limit'][1]:g}s" if row["limit"] else "unlimited"
        paused = f"paused ({row['paused_waiting']} waiting)" if row["paused"] else "running"
        brk = row["breaker"]
        state = brk["state"] + (f" ({brk['waiting']} waiting)" if brk["state"] != "closed" else "")
        click.echo(f"{row['vendor']:<10} limit {limit:<14} breaker {state:<20} {paused}"
                   + ("  sandbox" if row["sandboxed"] else ""))
    for host, brk in host_breakers(redis_client).items():
        click.echo(f"http host {host}: breaker {brk['state']} ({brk['failures']} failures, {brk['waiting']} waiting)")


def register_steering(group, kind):
    """`pause` and `resume` commands for a vendor or a route under `group` (vendors, routes)."""
    for action, steer, help_text in (
            ("pause", pause_target, f"Pause a {kind}: its deliveries wait (status paused) until resumed."),
            ("resume", resume_target, f"Resume a {kind}: what waited is sent in creation order, under the rate limit.")):
        _steering_command(group, kind, action, steer, help_text)


def _steering_command(group, kind, action, steer, help_text):
    @group.command(action, help=help_text)
    @click.argument("name", metavar=kind.upper())
    def command(name):
        _steer(steer, kind, name)

    return command


register_steering(vendors_cli, "vendor")


def init_app(app):
    app.cli.add_command(vendors_cli)

"""`flask vendors list|pause|resume <vendor>` and `flask routes pause|resume <route id>`."""
import click
from flask import current_app
from flask.cli import AppGroup

from handlers.admin.errors import NotFound
from handlers.admin.steering import host_breakers, pause_target, resume_target
from handlers.cli.routes import routes_cli
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


@vendors_cli.command("pause")
@click.argument("vendor")
def pause_vendor(vendor):
    """Pause a vendor: its deliveries wait (status paused) until resumed."""
    _steer(pause_target, "vendor", vendor)


@vendors_cli.command("resume")
@click.argument("vendor")
def resume_vendor(vendor):
    """Resume a vendor: what waited is sent in creation order, under the rate limit."""
    _steer(resume_target, "vendor", vendor)


@routes_cli.command("pause")
@click.argument("route_id")
def pause_route(route_id):
    """Pause a route: its deliveries wait (status paused) until resumed."""
    _steer(pause_target, "route", route_id)


@routes_cli.command("resume")
@click.argument("route_id")
def resume_route(route_id):
    """Resume a route: what waited is sent in creation order, under the rate limit."""
    _steer(resume_target, "route", route_id)


def init_app(app):
    app.cli.add_command(vendors_cli)

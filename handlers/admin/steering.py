"""Pause and resume a vendor or a route, and each vendor's breaker and pause state: the one
implementation behind the admin API, the CLI and the console (handlers.delivery.pause,
handlers.delivery.breaker do the work)."""
from handlers.actions import load_all
from handlers.admin.errors import NotFound
from handlers.delivery import breaker, pause
from handlers.delivery.wiring import deliver_sender


def vendors():
    """Every vendor an action can call, sorted."""
    return sorted({action.vendor for action in load_all().values()})


def route_ids(rules):
    return [route["id"] for route in getattr(rules, "routes", None) or ()]


def _known(app, kind, name):
    if kind == "vendor" and name not in vendors():
        raise NotFound(f"no vendor {name!r}", {"vendor": f"one of {', '.join(vendors())}"})
    if kind == "route" and name not in route_ids(app.extensions.get("rules")):
        raise NotFound(f"no route {name!r} in the loaded rules")


def pause_target(app, kind, name):
    """Pause; {kind, name, paused: true, changed}."""
    _known(app, kind, name)
    changed = pause.pause(app.extensions["redis"], kind, name)
    return {"kind": kind, "name": name, "paused": True, "changed": changed}


def resume_target(app, kind, name):
    """Resume and send what waited, in creation order; {kind, name, paused: false, released}."""
    _known(app, kind, name)
    released = pause.resume(app.extensions["redis"], kind, name, deliver_sender(app.extensions["celery"]),
                            app.config["DELIVERY_LEASE_SECONDS"])
    return {"kind": kind, "name": name, "paused": False, "released": released}


def vendor_steering(redis_client, vendor):
    """{paused, paused_waiting, breaker: {...}} of one vendor."""
    paused = {row["name"]: row for row in pause.pauses(redis_client) if row["kind"] == "vendor"}
    row = paused.get(vendor)
    return {"paused": row is not None, "paused_at": row["paused_at"] if row else None,
            "paused_waiting": row["waiting"] if row else 0, "breaker": breaker.state(redis_client, vendor)}


def host_breakers(redis_client):
    """{host: breaker state} of the http.post hosts with a breaker record."""
    return {name.split(":", 1)[1]: breaker.state(redis_client, name)
            for name in breaker.names(redis_client) if name.startswith("http:")}


def steering_warnings(redis_client):
    """/readyz `warnings` for pauses and open breakers. /readyz is unauthenticated: vendors
    are named, routes (the rules' contents) only counted."""
    rows = pause.pauses(redis_client)
    found = [f"paused: vendor {row['name']} ({row['waiting']} deliveries waiting)" for row in rows if row["kind"] == "vendor"]
    routes = [row for row in rows if row["kind"] == "route"]
    if routes:
        found.append(f"paused: {len(routes)} route(s) ({sum(row['waiting'] for row in routes)} deliveries waiting;"
                     " which: GET /api/vendors, the console)")
    for name in breaker.names(redis_client):
        brk = breaker.state(redis_client, name)
        if brk["state"] != "closed":
            subject = f"http host {name.split(':', 1)[1]}" if name.startswith("http:") else f"vendor {name}"
            found.append(f"breaker: {subject} {brk['state']} ({brk['waiting']} deliveries waiting)")
    return found

"""What /readyz (`warnings`) and `flask routes check` say about the sandbox and missing credentials.

/readyz answers without a token, so its lines name vendors and settings only; `routes check`
(a shell on the machine) also names the routes that would fail.
"""
from handlers.actions import ACTIONS
from handlers.sandbox.vendors import SANDBOXES, sandboxed_vendors


def vendors_by_route(rules):
    """vendor -> the ids of the routes with an action that calls it, in file order."""
    used = {}
    for route in rules.routes:
        for action in route["actions"]:
            vendor = getattr(ACTIONS.get(action["call"]), "vendor", None)
            if vendor in SANDBOXES and route["id"] not in used.setdefault(vendor, []):
                used[vendor].append(route["id"])
    return used


def vendor_warnings(config, rules, name_routes=False):
    """One line per vendor served by the sandbox, and per vendor a route calls that has
    neither credentials nor the sandbox (its deliveries die at the first attempt)."""
    served = sandboxed_vendors(config)
    warnings = [f"sandbox: {name} is served by the built-in sandbox (no {SANDBOXES[name].credential_key}): "
                f"calls are recorded, not sent to {name}" for name in served]
    if rules is None:
        return warnings
    for vendor, route_ids in vendors_by_route(rules).items():
        key = SANDBOXES[vendor].credential_key
        if vendor not in served and not config.get(key):
            which = f"of {', '.join(route_ids)} " if name_routes else "to it "
            warnings.append(f"vendor: {vendor} has no {key} and no sandbox: every delivery {which}fails here "
                            f"(set {key}; `make run` serves vendors without credentials from the sandbox)")
    return warnings


def readiness_warnings(app):
    """/readyz `warnings`: ready, but not sending where you may think."""
    return vendor_warnings(app.config, app.extensions.get("rules"))

"""What /readyz (`warnings`) and `flask routes check` say about the sandbox and missing credentials."""
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


def vendor_warnings(config, rules):
    """One line per vendor served by the sandbox, and per vendor a route calls that has
    neither credentials nor the sandbox (its deliveries die at the first attempt)."""
    served = sandboxed_vendors(config)
    warnings = [f"sandbox: {name} is served by the built-in sandbox at {config.get(SANDBOXES[name].base_url_key)}"
                f" (no {SANDBOXES[name].credential_key}): calls are recorded, not sent to {name}"
                for name in served]
    if rules is None:
        return warnings
    for vendor, route_ids in vendors_by_route(rules).items():
        if vendor not in served and not config.get(SANDBOXES[vendor].credential_key):
            warnings.append(f"vendor: {vendor} has no {SANDBOXES[vendor].credential_key} and no sandbox: every delivery "
                            f"of {', '.join(route_ids)} fails here (set {SANDBOXES[vendor].credential_key}; "
                            "`make run` serves vendors without credentials from the sandbox)")
    return warnings


def readiness_warnings(app):
    """/readyz `warnings`: ready, but not sending where you may think."""
    return vendor_warnings(app.config, app.extensions.get("rules"))

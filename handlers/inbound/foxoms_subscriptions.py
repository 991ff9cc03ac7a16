"""FoxOMS rest-hook subscriptions (`/resthook`, docs/vendors.md "FoxOMS"): list, subscribe, delete,
and `sync` them with the `events` of our foxoms source, through FoxOMSClient.

FoxOMS allows 1 request per second and answers 429 above it. The client neither waits nor
retries (in a delivery the engine does). For the CLI, `Pacing` is the one place that waits:
as the client's `before_request` hook it spaces requests by its interval (the CLI derives
it from FOXOMS_RATE_LIMIT, with the delivery engine's jitter margin), and
`patiently()` waits out a 429 (its Retry-After, at least one interval) and tries the
operation again, at most MAX_429_RETRIES times. Both wait through one injectable `sleep`.
"""
import time
from urllib.parse import urlencode

from handlers.vendors.errors import VendorRateLimited

MAX_429_RETRIES = 5


class Pacing:
    """Spaces calls `interval_seconds` apart and waits out 429s, sleeping with `sleep`."""

    def __init__(self, interval_seconds, sleep=time.sleep, clock=time.monotonic):
        self.interval_seconds = interval_seconds
        self.sleep = sleep
        self.clock = clock
        self.last_request = None

    def before_request(self, vendor):
        """The client's hook, before each HTTP request: wait for this request's turn."""
        if self.last_request is not None:
            pause = self.last_request + self.interval_seconds - self.clock()
            if pause > 0:
                self.sleep(pause)
        self.last_request = self.clock()

    def patiently(self, operation):
        """operation(), again after each 429 (at most MAX_429_RETRIES times)."""
        for attempt in range(MAX_429_RETRIES + 1):
            try:
                return operation()
            except VendorRateLimited as exc:
                if attempt == MAX_429_RETRIES:
                    raise
                self.sleep(max(exc.retry_after or 0.0, self.interval_seconds))
        raise AssertionError("unreachable")


def target_url(public_base_url, event_name, token):
    return f"{public_base_url.rstrip('/')}/hooks/foxoms/{event_name}?" + urlencode({"token": token})


def ours(hook, public_base_url):
    return str(hook.get("target_url", "")).startswith(public_base_url.rstrip("/") + "/hooks/foxoms/")


def plan_sync(hooks, events, public_base_url, token):
    """(events to subscribe, hooks to delete): only hooks pointing at us are deleted, and
    of those only ones not wanted (another event, an old token, a second copy)."""
    wanted = {target_url(public_base_url, event, token): event for event in events}
    kept, stale = set(), []
    for hook in hooks:
        if not ours(hook, public_base_url):
            continue
        url = hook.get("target_url")
        if wanted.get(url) == hook.get("event_name") and url not in kept:
            kept.add(url)
        else:
            stale.append(hook)
    missing = [event for url, event in wanted.items() if url not in kept]
    return missing, stale


def list_hooks(client, pacing):
    """Every active subscription (GET /resthook, every page)."""
    return pacing.patiently(client.list_resthooks)


def subscribe(client, pacing, event_name, url):
    """POST /resthook; the new hook id (a string)."""
    return pacing.patiently(lambda: client.create_resthook(event_name, url))


def delete(client, pacing, hook_id):
    """DELETE /resthook?id=<id>."""
    pacing.patiently(lambda: client.delete_resthook(hook_id))


def sync(client, pacing, events, public_base_url, token):
    """Subscribe the missing events, then delete stale hooks; returns what changed."""
    missing, stale = plan_sync(list_hooks(client, pacing), events, public_base_url, token)
    created = [(event, subscribe(client, pacing, event, target_url(public_base_url, event, token))) for event in missing]
    for hook in stale:
        delete(client, pacing, hook["id"])
    return {"created": created, "deleted": [hook["id"] for hook in stale]}

"""FoxOMS rest-hook subscriptions (`/resthook`, docs/vendors.md "FoxOMS"): list, subscribe,
delete, and `sync` them with the `events` of our foxoms source.

FoxOMS allows 1 request per second and answers 429 above it: requests are spaced by
MIN_INTERVAL_SECONDS, and a 429 is retried after waiting (Retry-After when given).
"""
import time
from urllib.parse import urlencode

import requests

from handlers.vendors.base import PermanentVendorError, RetryableVendorError
from handlers.vendors.session import vendor_session

MIN_INTERVAL_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 10
MAX_429_RETRIES = 5
PAGE_SIZE = 100


class FoxomsHooksClient:
    def __init__(self, base_url, token, session=None):
        if not token:
            raise PermanentVendorError("FOXOMS_API_TOKEN is not set")
        self.base_url = base_url.rstrip("/")
        self.session = session or vendor_session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self._last_request = None

    def request(self, method, path, params=None, json=None):
        """One call, spaced 1 s from the previous one; 429 waits and tries again."""
        url = self.base_url + path
        for attempt in range(MAX_429_RETRIES + 1):
            self._wait_turn()
            try:
                response = self.session.request(method, url, params=params, json=json, timeout=REQUEST_TIMEOUT_SECONDS)
            except requests.RequestException as exc:
                raise RetryableVendorError(type(exc).__name__, method=method, url=url) from None
            if response.status_code == 429 and attempt < MAX_429_RETRIES:
                time.sleep(_retry_after(response))
                continue
            return _answer(method, url, response)
        raise AssertionError("unreachable")

    def _wait_turn(self):
        if self._last_request is not None:
            pause = self._last_request + MIN_INTERVAL_SECONDS - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request = time.monotonic()

    def list_hooks(self):
        """GET /resthook, every page (meta.pagination)."""
        hooks, page = [], 1
        while True:
            body = self.request("GET", "/resthook", params={"page": page, "limit": PAGE_SIZE})
            hooks.extend(body.get("data") or [])
            pagination = (body.get("meta") or {}).get("pagination") or {}
            if int(pagination.get("current_page") or page) >= int(pagination.get("total_pages") or 0):
                return hooks
            page += 1

    def subscribe(self, event_name, target_url):
        """POST /resthook {"event_name", "target_url"} -> the new id (a string)."""
        body = self.request("POST", "/resthook", json={"event_name": event_name, "target_url": target_url})
        return str(body["status"].get("id", ""))

    def delete(self, hook_id):
        """DELETE /resthook?id=<id>."""
        self.request("DELETE", "/resthook", params={"id": hook_id})


def _retry_after(response):
    try:
        return max(float(response.headers.get("Retry-After", MIN_INTERVAL_SECONDS)), MIN_INTERVAL_SECONDS)
    except ValueError:
        return MIN_INTERVAL_SECONDS


def _answer(method, url, response):
    """The JSON body of a success, or the error for this status."""
    if response.status_code >= 300:
        error = RetryableVendorError if response.status_code in (408, 425, 429, 500, 502, 503, 504) else PermanentVendorError
        raise error(f"FoxOMS answered {response.status_code}", method=method, url=url,
                    status=response.status_code, body=response.text[:500])
    try:
        body = response.json()
    except ValueError:
        body = {}
    status = body.get("status") if isinstance(body, dict) else None
    if isinstance(status, dict) and status.get("success") is False:
        raise PermanentVendorError("FoxOMS reported success: false", method=method, url=url,
                                   status=response.status_code, body=response.text[:500])
    return body if isinstance(body, dict) else {}


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


def sync(client, events, public_base_url, token):
    """Subscribe the missing events, then delete stale hooks; returns what changed."""
    missing, stale = plan_sync(client.list_hooks(), events, public_base_url, token)
    created = [(event, client.subscribe(event, target_url(public_base_url, event, token))) for event in missing]
    for hook in stale:
        client.delete(hook["id"])
    return {"created": created, "deleted": [hook["id"] for hook in stale]}

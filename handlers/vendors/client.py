"""What every vendor client shares: one session, one `send()`, one status → error mapping.

A client `prepare()`s a PreparedRequest (what explain shows) and `send()`s it: the
rate-limit hook runs first, then one HTTP request, then `error_for_answer()` decides.
No retries or waits here: the caller decides on `VendorError.retryable` (the delivery
engine; the FoxOMS subscriptions CLI waits out a 429).
"""
import email.utils
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from handlers.redact import excerpt
from handlers.vendors.errors import (
    PermanentVendorError,
    VendorAuthError,
    VendorConnectionError,
    VendorContractError,
    VendorRateLimited,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from handlers.vendors.request import PreparedRequest
from handlers.vendors.session import vendor_session

REQUEST_TIMEOUT_SECONDS = (5, 20)  # (connect, read): under Heroku's 30 s router timeout
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})  # docs/routes.md "Delivery rules"; the rest fail
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}
REQUEST_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


ID_PATTERN = re.compile(r"^[0-9]+$")


def numeric_id(value, vendor=""):
    """Integer ids that sometimes arrive as strings: '20189' or 20189 -> '20189'."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if not ID_PATTERN.match(text):
        raise VendorRejected(f"{vendor}: id {value!r} is not a number")
    return str(int(text))


def encode_json(value):
    """The exact bytes sent for a JSON body (signatures are computed over these)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_retry_after(value, now=None):
    """Retry-After as seconds (>= 0) from delay-seconds or an HTTP-date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)


@dataclass
class VendorAnswer:
    status: int
    headers: Any
    text: str
    data: Any = None  # parsed JSON, or None

    @property
    def no_content(self):
        """A 204 with an empty body."""
        return self.status == 204 and not self.text


def error_for_status(status, message, **details):
    """One mapping for every vendor and for the delivery verdict (docs/routes.md "Delivery rules"):
    408, 425, 429, 500, 502, 503, 504 are retryable; every other status is permanent."""
    if status == 429:
        return VendorRateLimited(message, status=status, **details)
    if status == 408:
        return VendorTimeout(message, status=status, **details)
    if status in RETRYABLE_STATUSES:
        return VendorUnavailable(message, status=status, **details)
    if status in (401, 403):
        return VendorAuthError(message, status=status, **details)
    return VendorRejected(message, status=status, **details)


class VendorClient:
    """Base of the vendor clients: subclasses set `vendor`, `auth_headers()` and friends."""

    vendor = ""
    credential_key = ""   # the config key holding the credential
    base_url_key = ""
    default_headers: dict = {}
    json_content_type = "application/json"
    needs_credential = True
    no_content_ok = False  # True: an empty 204 is a success without the vendor's body_problem checks

    def __init__(self, base_url, credential, session=None, before_request=None, timeout=REQUEST_TIMEOUT_SECONDS):
        self.base_url = (base_url or "").rstrip("/")
        self.credential = credential
        self.session = session if session is not None else vendor_session()
        self.before_request = before_request or (lambda vendor: None)
        self.timeout = timeout
        self.planned = None  # a list when planning: call() records instead of sending

    @classmethod
    def from_config(cls, config, session=None, before_request=None):
        timeout = config.get("VENDOR_TIMEOUT_SECONDS") or REQUEST_TIMEOUT_SECONDS
        return cls(config.get(cls.base_url_key), config.get(cls.credential_key), session, before_request, timeout)

    # building ------------------------------------------------------------------
    def auth_headers(self):
        raise NotImplementedError

    def url_for(self, path):
        if not self.base_url:
            raise PermanentVendorError(f"{self.base_url_key} is not configured")
        return self.base_url + path

    def prepare(self, method, path, params=None, json=None, headers=None):
        """The request for `path` below the base URL (path starts with '/')."""
        all_headers = {**self.default_headers, **self.auth_headers()}
        if json is not None:
            all_headers["Content-Type"] = self.json_content_type
        all_headers.update(headers or {})
        return PreparedRequest(method.upper(), self.url_for(path), all_headers, dict(params) if params else None, json)

    def prepare_request(self, method, path, query=None, json=None):
        """`<vendor>.request`: any call below the base URL, checked to stay there."""
        method = str(method or "GET").upper()
        if method not in REQUEST_METHODS:
            raise VendorRejected(f"method {method!r} is not one of {', '.join(REQUEST_METHODS)}")
        path = str(path or "")
        parts = urlsplit(path)
        if parts.scheme or parts.netloc or "://" in path or path.startswith("//") or ".." in path.split("/") or "?" in path or "#" in path:
            raise VendorRejected(f"path {path!r} must be a path below the {self.vendor} base URL (query goes in query)")
        if not path.startswith("/"):
            path = "/" + path
        if query is not None and not isinstance(query, dict):
            raise VendorRejected("query must be an object")
        return self.prepare(method, path, params=query, json=json)

    def request(self, method, path, query=None, json=None):
        """Any documented call below the base URL (prepare_request checks it stays there)."""
        return self.call(self.prepare_request(method, path, query, json))

    # sending -------------------------------------------------------------------
    def call(self, prepared):
        """Send, or when planning, record the request and return None."""
        if self.planned is not None:
            self.planned.append(prepared)
            return None
        return self.send(prepared)

    def send(self, prepared):
        """The one place a request goes out: rate-limit hook, HTTP, error mapping."""
        if self.needs_credential and not self.credential:
            raise VendorAuthError(f"{self.credential_key} is not configured", method=prepared.method, url=prepared.url)
        answered = self.before_request(self.vendor)  # the rate limiter's: called once the answer is in
        body = encode_json(prepared.json) if prepared.json is not None else None
        try:
            response = self.session.request(
                prepared.method, prepared.url, params=prepared.params, data=body,
                headers=prepared.headers, timeout=self.timeout, allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise VendorTimeout(f"{self.vendor}: no answer in time ({type(exc).__name__})", method=prepared.method, url=prepared.url) from None
        except requests.ConnectionError as exc:
            raise VendorConnectionError(f"{self.vendor}: connection failed ({type(exc).__name__})", method=prepared.method, url=prepared.url) from None
        except requests.RequestException as exc:
            raise VendorRejected(f"{self.vendor}: request could not be sent ({type(exc).__name__})", method=prepared.method, url=prepared.url) from None
        finally:
            if callable(answered):
                answered()
        return self.check_answer(prepared, response)

    def check_answer(self, prepared, response):
        text = response.text
        answer = VendorAnswer(response.status_code, response.headers, text, self._parse(text))
        details = {
            "method": prepared.method,
            "url": prepared.url,
            "body": excerpt(text, self.secrets()),
            "request_id": response.headers.get("X-Request-Id"),
        }
        if 200 <= response.status_code < 300:
            problem = self.contract_problem(prepared, answer)
            if problem:
                raise VendorContractError(
                    f"{self.vendor} answered {response.status_code} but {problem}",
                    retryable=prepared.method in IDEMPOTENT_METHODS, status=response.status_code, **details,
                )
            return answer
        if 300 <= response.status_code < 400:
            raise VendorRejected(f"{self.vendor} answered a redirect ({response.status_code}); not followed",
                                 status=response.status_code, **details)
        message = f"{self.vendor} answered {response.status_code}"
        described = self.describe_error(answer)
        if described:
            message += f": {excerpt(described, self.secrets(), 500)}"
        error = error_for_status(response.status_code, message, retry_after=parse_retry_after(response.headers.get("Retry-After")), **details)
        error.code = self.error_code(answer)
        raise error

    @staticmethod
    def _parse(text):
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None

    def secrets(self):
        return (self.credential,) if self.credential else ()

    # vendor hooks --------------------------------------------------------------
    def contract_problem(self, prepared, answer):
        """Why a 2xx answer is not what the vendor documents, or None: a JSON body (or an empty 204)
        that passes the vendor's `body_problem`; an empty 204 passes outright where `no_content_ok`."""
        if answer.no_content:
            return None if self.no_content_ok else self.body_problem(prepared, answer)
        if answer.data is None:
            return "the body is not JSON" if answer.text.strip() else "the body is empty"
        return self.body_problem(prepared, answer)

    def body_problem(self, prepared, answer):
        """Why a 2xx answer's body is not the vendor's documented shape, or None."""
        return None

    def describe_error(self, answer):
        """The vendor's own words about an error, from its error body."""
        data = answer.data
        if isinstance(data, dict):
            for key in ("error", "errors", "message", "status"):
                if data.get(key):
                    value = data[key]
                    return value if isinstance(value, str) else json.dumps(value)
        return answer.text.strip()[:200] if answer.text and answer.data is None and "<" not in answer.text[:1] else ""

    def error_code(self, answer):
        return None

    def same_origin(self, url):
        """True when an absolute URL (a `next` link) points at our base URL's host."""
        ours, theirs = urlsplit(self.base_url), urlsplit(urljoin(self.base_url + "/", url))
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

"""What every vendor client shares: the request it prepares, and the errors it raises."""
from dataclasses import dataclass, field
from typing import Any

SECRET_HEADERS = ("authorization", "x-api-key", "webhook-signature", "x-hook-token", "cookie")
REDACTED = "[redacted]"


@dataclass
class PreparedRequest:
    """One HTTP request a client is about to send (or, for explain, would send)."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)
    params: dict | None = None
    json: Any = None

    def redacted(self):
        """A JSON-ready view with secret header values hidden (explain, attempt logs)."""
        headers = {
            name: REDACTED if name.lower() in SECRET_HEADERS else value
            for name, value in self.headers.items()
        }
        view = {"method": self.method, "url": self.url, "headers": headers}
        if self.params:
            view["params"] = self.params
        if self.json is not None:
            view["body"] = self.json
        return view


class VendorError(Exception):
    """A vendor call failed: method, URL, status (None without an answer) and body excerpt."""

    retryable = False

    def __init__(self, message, *, method="", url="", status=None, body="", request_id=None, retry_after=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.request_id = request_id
        self.retry_after = retry_after  # seconds, from Retry-After, when the vendor gave one

    @property
    def error_class(self):
        return type(self).__name__

    def __str__(self):
        where = f"{self.method} {self.url}".strip()
        status = f" -> {self.status}" if self.status is not None else ""
        return f"{where}{status}: {self.message}" if where else self.message


class RetryableVendorError(VendorError):
    """Timeouts, connection errors, 408, 425, 429, 500, 502, 503, 504: try again later."""

    retryable = True


class PermanentVendorError(VendorError):
    """Other 4xx, 410, and answers that break the vendor's documented contract."""

    retryable = False

"""The request a vendor client prepares: what it sends, and what explain and the attempt log show."""
from dataclasses import dataclass, field
from typing import Any

from handlers.redact import REDACTED, is_secret_name


def is_secret_header(name):
    """Headers whose values never leave the process (explain, attempt logs, errors)."""
    return is_secret_name(name)


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
            name: REDACTED if is_secret_header(name) else value
            for name, value in self.headers.items()
        }
        view = {"method": self.method, "url": self.url, "headers": headers}
        if self.params:
            view["params"] = self.params
        if self.json is not None:
            view["body"] = self.json
        return view

"""Keep secrets out of admin answers.

Stored headers are already stripped of tokens and signatures by the inbound side; this is
the second fence: header names that carry credentials are dropped, and in rendered action
args, delivery state and attempts any value under a credential-like key is replaced.
"""
import re

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-hook-token", "webhook-signature"}
)
SECRET_KEY_PATTERN = re.compile(r"authorization|token|secret|password|passwd|api[-_]?key|signature|cookie", re.I)


def safe_headers(headers):
    """Headers without any that can carry a credential."""
    return {
        name: value
        for name, value in (headers or {}).items()
        if name.lower() not in SECRET_HEADERS and not SECRET_KEY_PATTERN.search(name)
    }


def redact(value):
    """A copy of `value` with every credential-like key's value replaced by REDACTED."""
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and SECRET_KEY_PATTERN.search(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value

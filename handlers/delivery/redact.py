"""Secrets out of anything an attempt stores: response excerpts and error messages.

Removed: the value of every credential setting (names ending in _TOKEN, _KEY, _SECRET,
_PASSWORD), the Redis password, secret header values and signing secrets given in a
delivery's args, and anything shaped like `Bearer x`, `token=x`, `"api_key": "x"`.
Then the text is cut to EXCERPT_MAX_BYTES of UTF-8.
"""
import re
from urllib.parse import urlsplit

from handlers.secrets import REDACTED, is_secret_name, setting_secrets

EXCERPT_MAX_BYTES = 2048
MIN_SECRET_CHARS = 4  # shorter values would blank out ordinary words
SECRET_NAMES = r"(?:access_token|api_key|apikey|api-key|token|secret|password|signing_secret|authorization)"
PATTERNS = (
    re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"),
    re.compile(r"(?i)(\b" + SECRET_NAMES + r"[\"']?\s*[=:]\s*[\"']?)(?!\[redacted\]|bearer\b)[^\s\"'&,;}]+"),
)


def config_secrets(config):
    """Credential values from the app config."""
    values = setting_secrets(config)
    redis_url = config.get("REDIS_URL")
    if isinstance(redis_url, str) and "://" in redis_url:
        values.append(urlsplit(redis_url).password or "")
    return values


def arg_secrets(args):
    """Secret header values and signing secrets written into a delivery's args."""
    if not isinstance(args, dict):
        return []
    values = []
    headers = args.get("headers")
    if isinstance(headers, dict):
        values += [v for k, v in headers.items() if is_secret_name(k) and isinstance(v, str)]
    sign = args.get("sign")
    if isinstance(sign, str):
        values.append(sign)
    elif isinstance(sign, dict):
        values += [v for v in sign.values() if isinstance(v, str)]
    return values


def scrub(text, secrets):
    """`text` with every secret replaced by [redacted]."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def excerpt(text, secrets, max_bytes=EXCERPT_MAX_BYTES):
    """Scrubbed first, then cut, so that no secret survives half-cut."""
    data = scrub(text, secrets).encode("utf-8")
    if len(data) <= max_bytes:
        return data.decode("utf-8")
    return data[:max_bytes].decode("utf-8", errors="ignore")

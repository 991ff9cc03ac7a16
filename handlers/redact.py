"""Secrets, in one place: what counts as one, which values are known, how they are hidden.

Every place that keeps secrets out of stored records, answers, logs or messages uses this
module (inbound headers, explain and the rules listing, attempts and errors, the admin
API and CLI, vendor error excerpts), so the rule cannot drift between them.

Secret are:
- the value under a credential-like header name or mapping key (`is_secret_name`);
- the values of credential settings (*_TOKEN, *_KEY, *_SECRET, *_PASSWORD) and the Redis
  password (`config_secrets`);
- the value of every ${VAR} in routes.yaml, every source token and signing secret
  (`rules_secrets`);
- secret header values and signing secrets written into a delivery's args (`arg_secrets`);
- in any text, anything shaped like `Bearer x`, `token=x`, `"api_key": "x"`.
Known values shorter than MIN_SECRET_CHARS are not searched for in text (they would
blank out ordinary words); every other occurrence becomes REDACTED. The HTTP library's
own debug lines (urllib3 logs each request's path and query) lose their query strings.
"""
import logging
import re
from urllib.parse import urlsplit

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6
EXCERPT_MAX_BYTES = 2048
# A header name or mapping key whose value is a credential.
SECRET_NAME = re.compile(
    r"auth|token|secret|password|passwd|api[-_]?key|apikey|signature|cookie|session|^sign$", re.IGNORECASE
)
SECRET_SETTING_SUFFIXES = ("_TOKEN", "_KEY", "_SECRET", "_PASSWORD")
SECRET_TEXT_NAMES = r"(?:access_token|api_key|apikey|api-key|token|secret|password|signing_secret|authorization)"
QUERY_STRING = re.compile(r"\?[^\s\"']+")
HTTP_LIBRARY_LOGGERS = ("urllib3.connectionpool",)  # log request URLs, query included, at DEBUG
SECRET_SHAPES = (
    re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"),
    re.compile(r"(?i)(\b" + SECRET_TEXT_NAMES + r"[\"']?\s*[=:]\s*[\"']?)(?!\[redacted\]|bearer\b)[^\s\"'&,;}]+"),
)


def is_secret_name(name):
    """True for names like Authorization, X-Hook-Token, x-api-key, webhook-signature, sign."""
    return bool(SECRET_NAME.search(str(name)))


def is_secret_setting(name):
    """True for configuration names like FOXOMS_API_TOKEN or ITGLUE_API_KEY."""
    return isinstance(name, str) and name.upper().endswith(SECRET_SETTING_SUFFIXES)


def config_secrets(config):
    """The values of every credential setting in `config`, and the Redis password."""
    config = config or {}
    values = [v for name, v in config.items() if is_secret_setting(name) and isinstance(v, str) and v]
    for name in ("REDIS_URL", "REDIS_URL_RESOLVED"):
        url = config.get(name)
        if isinstance(url, str) and "://" in url:
            values.append(urlsplit(url).password or "")
    return [v for v in values if v]


def rules_secrets(rules):
    """What routes.yaml's ${VAR}s expanded to, and every source token and signing secret."""
    if rules is None:
        return []
    values = set(rules.extra.get("variable_values", ()))
    for source in rules.sources.values():
        values |= set(source.get("tokens", ()))
        values.add(source.get("signing_secret") or "")
    return [v for v in values if isinstance(v, str) and v]


def known_secrets(config, rules=None):
    """Every secret value this process knows: config_secrets and rules_secrets."""
    return config_secrets(config) + rules_secrets(rules)


def app_secrets(app):
    """known_secrets of a Flask app: its config and its loaded rules (what every view hides)."""
    return known_secrets(app.config, app.extensions.get("rules"))


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


def redact_url(url):
    """A URL without its user info (a Redis URL's password), for messages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{REDACTED}@{rest.rsplit('@', 1)[1]}"


def _searched(secrets):
    """The values worth searching for, longest first (so a secret inside another goes too)."""
    return sorted({s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)


def _scrub_string(text, searched):
    for secret in searched:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for shape in SECRET_SHAPES:
        text = shape.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def scrub_text(text, secrets=()):
    """`text` (str, bytes, an exception, None) as a str with every secret replaced."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return _scrub_string(str(text), _searched(secrets))


def excerpt(text, secrets=(), max_bytes=EXCERPT_MAX_BYTES):
    """Scrubbed first, then cut to `max_bytes` of UTF-8, so that no secret survives half-cut."""
    data = scrub_text(text, secrets).encode("utf-8")
    if len(data) <= max_bytes:
        return data.decode("utf-8")
    return data[:max_bytes].decode("utf-8", errors="ignore")


def scrub(node, secrets=(), by_key=True):
    """A copy of a JSON-like value with secrets in its strings (keys too) hidden, and
    (by_key) the values under secret-like keys. A payload, whose keys are the sender's (`author`), is
    scrubbed with by_key=False."""
    return _scrub_node(node, _searched(secrets), by_key)


def _scrub_node(node, searched, by_key):
    """Iterative, so a deeply nested payload cannot reach the recursion limit."""
    root = [None]
    stack = [(node, root, 0)]
    while stack:
        value, parent, slot = stack.pop()
        if isinstance(value, dict):
            shown = {key: _scrub_string(key, searched) if isinstance(key, str) else key for key in value}
            copy = dict.fromkeys(shown.values())  # keeps the key order
            for key, item in value.items():
                if by_key and _hidden(key, item):
                    copy[shown[key]] = REDACTED
                else:
                    stack.append((item, copy, shown[key]))
        elif isinstance(value, (list, tuple)):
            copy = [None] * len(value)
            stack.extend((item, copy, i) for i, item in enumerate(value))
        elif isinstance(value, str):
            copy = _scrub_string(value, searched)
        else:
            copy = value
        parent[slot] = copy
    return root[0]


def _hidden(key, value):
    """A secret-like key hides a string or a structure; numbers and flags (token_count) stay."""
    return isinstance(key, str) and is_secret_name(key) and isinstance(value, (str, dict, list))


class QueryStringFilter(logging.Filter):
    """Logged URLs keep their path and lose their query (`?key=${HOOK_KEY}`)."""

    def filter(self, record):
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY_STRING.sub("?" + REDACTED, message), None
        return True


QUERY_STRING_FILTER = QueryStringFilter()


def install_log_filters():
    """Put QueryStringFilter on the HTTP library's loggers (once; called by create_app)."""
    for name in HTTP_LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if QUERY_STRING_FILTER not in logger.filters:
            logger.addFilter(QUERY_STRING_FILTER)

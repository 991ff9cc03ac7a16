"""gunicorn's Logger, made safe for what a client sends (`logger_class` in gunicorn.conf.py).

- Access log: every text field (the path gunicorn has percent-decoded, the user agent, ...)
  has its control characters and backslashes escaped (`\\x0a`, `\\\\`), so `%0A` or `%1B`
  in a path cannot end a line or forge one; gunicorn itself escapes the double quote.
- Error log: a query string is dropped from every message and traceback. gunicorn's
  "Invalid request from ip=...: Invalid HTTP request line: 'GET /hooks/...?token=...'"
  prints the line as the client sent it, and a hook may carry its token as ?token=.
"""
import logging
import re

from gunicorn.glogging import Logger

from handlers.redact import REDACTED

CONTROL_OR_BACKSLASH = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
# "?" and what follows up to a space or a quote: the query of a request line or URI as
# gunicorn's messages print it (bare, in '...' from %r, or in "...").
QUERY = re.compile(r"\?[^\s'\"]+")


def escape_controls(text):
    """`text` with control characters as \\xNN and a backslash doubled: one printable line."""
    return CONTROL_OR_BACKSLASH.sub(lambda match: "\\\\" if match.group() == "\\" else f"\\x{ord(match.group()):02x}", text)


def without_query(text):
    return QUERY.sub("?" + REDACTED, text)


class QueryScrubber(logging.Filter):
    """Rewrites each error-log record with its query strings removed, traceback included."""

    formatter = logging.Formatter()

    def filter(self, record):
        record.msg, record.args = without_query(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_query(record.exc_text)
        return True


QUERY_SCRUBBER = QueryScrubber()


class SafeLogger(Logger):

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(QUERY_SCRUBBER)  # once: a reload runs setup again, addFilter skips a repeat

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: escape_controls(value) if isinstance(value, str) else value for name, value in atoms.items()}

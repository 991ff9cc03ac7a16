"""What one attempt's result means (docs/vendors.md, the error table), as plain data.

2xx succeeds. A VendorError says itself whether it is retryable (timeouts, connection
errors, 408, 425, 429, 500, 502, 503, 504) or permanent (other 4xx and 5xx, 410); a
non-2xx status an action returns instead of raising is read by the same mapping
(handlers/vendors/client.py `error_for_status`), so the two cannot disagree. A failure
that is not a VendorError (a network error the client did not map, the soft time
limit, a bug) is retried: nothing is dropped, and the schedule ends in a dead letter.
"""
from dataclasses import dataclass, field

from handlers.redact import excerpt, scrub_text
from handlers.vendors.client import error_for_status
from handlers.vendors.errors import VendorError


@dataclass
class Verdict:
    succeeded: bool
    retryable: bool = False
    status: int | None = None
    error_class: str = ""
    error: str = ""
    response_excerpt: str = ""
    retry_after: float | None = None
    record_failures: list = field(default_factory=list)


def judge(result, error, secrets):
    """A Verdict from an ActionResult (error None) or the exception the action raised."""
    if error is None:
        if result.status is not None and not 200 <= int(result.status) < 300:
            status = int(result.status)
            return Verdict(False, error_for_status(status, f"answered {status}").retryable, status,
                           "UnexpectedStatus", f"answered {result.status}",
                           excerpt(result.response_excerpt, secrets))
        return Verdict(True, status=result.status, response_excerpt=excerpt(result.response_excerpt, secrets),
                       record_failures=list(result.record_failures or []))
    if isinstance(error, VendorError):
        return Verdict(False, bool(error.retryable), error.status, error.error_class,
                       excerpt(str(error), secrets), excerpt(error.body, secrets),
                       _seconds(error.retry_after))
    return Verdict(False, True, None, type(error).__name__, excerpt(scrub_text(error, secrets) or repr(error), secrets))


def _seconds(value):
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

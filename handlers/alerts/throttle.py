"""The `throttle:` of an alert ("15 minutes", "2 seconds", "1 hour") as seconds.

The text is read by the `limits` library's parser (the one behind `rate_limit:`), as the
period of "1 per <throttle>", so both settings spell periods the same way.
"""
import re

from limits import parse

MAX_THROTTLE_SECONDS = 24 * 3600
_SHAPE = re.compile(r"^\s*(\d+\s+)?[A-Za-z]+\s*$")


class ThrottleError(ValueError):
    """The text is not a period such as "15 minutes"."""


def throttle_seconds(text):
    """Seconds of a throttle text; 0 for none (every signal is its own alert)."""
    if text in (None, ""):
        return 0
    match = _SHAPE.match(text)
    if match is None or (match.group(1) and int(match.group(1)) == 0):
        raise ThrottleError(f"not a period such as '15 minutes': {text!r}")
    try:
        seconds = parse(f"1/{text.strip()}").get_expiry()
    except ValueError:
        raise ThrottleError(f"not a period such as '15 minutes': {text!r}") from None
    if seconds > MAX_THROTTLE_SECONDS:
        raise ThrottleError(f"at most 1 day: {text!r}")
    return seconds

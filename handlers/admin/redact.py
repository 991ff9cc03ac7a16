"""Keep secrets out of admin answers.

Stored headers are already stripped of tokens and signatures by the inbound side; this is
the second fence: header names that carry credentials are dropped, and in rendered action
args, delivery state and attempts any value under a credential-like key is replaced.
"""
from handlers.secrets import REDACTED, is_secret_name


def redact(value):
    """A copy of `value` with every credential-like key's value replaced by REDACTED."""
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_name(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value

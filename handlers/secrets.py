"""What counts as a secret, in one place: header names, mapping keys, credential settings.

Every module that keeps secrets out of stored records, answers, logs or messages asks
here, so the rule cannot drift between inbound headers, explain, attempts and admin views.
"""
import re

REDACTED = "[redacted]"
# A header name or mapping key whose value is a credential.
SECRET_NAME = re.compile(
    r"auth|token|secret|password|passwd|api[-_]?key|apikey|signature|cookie|session|^sign$", re.IGNORECASE
)
SECRET_SETTING_SUFFIXES = ("_TOKEN", "_KEY", "_SECRET", "_PASSWORD")


def is_secret_name(name):
    """True for names like Authorization, X-Hook-Token, x-api-key, webhook-signature, sign."""
    return bool(SECRET_NAME.search(str(name)))


def is_secret_setting(name):
    """True for configuration names like FOXOMS_API_TOKEN or ITGLUE_API_KEY."""
    return isinstance(name, str) and name.upper().endswith(SECRET_SETTING_SUFFIXES)


def setting_secrets(config):
    """The string values of every credential setting in `config`."""
    return [value for name, value in (config or {}).items() if is_secret_setting(name) and isinstance(value, str) and value]

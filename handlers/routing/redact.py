"""Hide secrets wherever rules or planned calls are shown (explain, GET /api/routes).

Hidden: the values of ${VAR}s in routes.yaml, secret-looking settings (*_TOKEN, *_KEY,
*_SECRET, *_PASSWORD), and the values of secret-looking keys (authorization, token, sign,
api_key, secret, password, signature...) in any mapping.
"""
from handlers.secrets import REDACTED, is_secret_name, setting_secrets

MIN_SECRET_LENGTH = 8  # shorter values are too likely to be ordinary words


def secret_values(config, rules=None):
    """Every known secret string, longest first."""
    values = set(setting_secrets(config))
    if rules is not None:
        values |= set(rules.extra.get("variable_values", ()))
        for source in rules.sources.values():
            values |= set(source.get("tokens", ()))
            values.add(source.get("signing_secret") or "")
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def scrub(node, secrets):
    """A copy of node with secret-keyed values and every known secret string replaced."""
    if isinstance(node, dict):
        return {
            k: REDACTED if isinstance(k, str) and is_secret_name(k) and isinstance(v, str) else scrub(v, secrets)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [scrub(v, secrets) for v in node]
    if isinstance(node, str):
        for secret in secrets:
            if secret in node:
                node = node.replace(secret, REDACTED)
        return node
    return node

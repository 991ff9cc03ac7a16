"""The loaded rules as GET /api/routes shows them: no tokens, no signing secrets.

Routes are shown as written in the file, so `${VAR}` references stay references.
"""
from handlers.redact import known_secrets, scrub

HIDDEN_SOURCE_KEYS = ("tokens", "signing_secret")


def public_rules(rules, config):
    raw = rules.extra.get("raw") or {}
    raw_sources = raw.get("sources") or {}
    sources = {}
    for name, loaded in rules.sources.items():
        shown = {k: v for k, v in (raw_sources.get(name) or {}).items() if k not in HIDDEN_SOURCE_KEYS}
        shown["token_count"] = len(loaded.get("tokens", ()))
        shown["signed"] = bool(loaded.get("signing_secret"))
        sources[name] = shown
    routes = raw.get("routes") or []
    answer = {"path": rules.path, "sources": sources, "routes": routes}
    return scrub(answer, known_secrets(config, rules))

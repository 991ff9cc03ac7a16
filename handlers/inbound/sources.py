"""Which configured source a hook URL names, and whether it may be used now."""
from handlers.errors import RulesUnavailable
from handlers.inbound.errors import SourceDisabled, UnknownSource

FOXOMS = "foxoms"
INCOMING = "incoming"


def find_source(rules, rules_error, kind, name):
    """(source name, source config) for /hooks/foxoms/... or /hooks/incoming/<name>.

    FoxOMS hooks go to the source named `foxoms`, else to the only foxoms-type source.
    """
    if rules is None:  # its problems can quote the file: they go to the logs and the admin API only
        raise RulesUnavailable("the routes file is not usable; nothing was accepted, retry later")
    if kind == FOXOMS:
        candidates = {n: s for n, s in rules.sources.items() if s["type"] == FOXOMS}
        if FOXOMS in candidates:
            return FOXOMS, candidates[FOXOMS]
        if len(candidates) == 1:
            return next(iter(candidates.items()))
        raise UnknownSource("no FoxOMS source is configured" if not candidates else "several FoxOMS sources; name one `foxoms`")
    source = rules.sources.get(name)
    if source is None or source["type"] != INCOMING:
        raise UnknownSource(f"no incoming hook named {name!r}")
    return name, source


def body_options(source):
    """How a source's bodies are read (docs/inbound.md "Body formats"), as check and explain show it."""
    return {
        "formats": list(source.get("formats") or ["json"]),
        "lenient_types": bool(source.get("lenient_types")),
        "batch": bool(source.get("batch")),
    }


def check_enabled(source):
    if source.get("disabled"):
        raise SourceDisabled("this source is disabled; drop the subscription")

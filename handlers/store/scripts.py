"""Lua scripts run by EVALSHA: one redis-py Script per script text, run on the client at hand.

redis-py's Script sends EVALSHA and falls back to loading the script when Redis answers
NOSCRIPT (after a restart or SCRIPT FLUSH); `redis_client.eval(text, ...)` would send the
whole text on every call. A Script needs a client only to hash its text (with the client's
encoding: UTF-8 for every client here) and is called with `client=`, so the table below is
keyed by the text alone and nothing is stored on a redis-py client.
"""
_SCRIPTS = {}  # script text -> its Script (made with the first client that runs it)


def script(redis_client, text):
    """The Script for `text` (made once per process)."""
    found = _SCRIPTS.get(text)
    if found is None:
        found = _SCRIPTS.setdefault(text, redis_client.register_script(text))
    return found


def run(redis_client, text, keys, args):
    return script(redis_client, text)(keys=list(keys), args=list(args), client=redis_client)

"""Lua scripts run by EVALSHA: each script is registered once per Redis client.

redis-py's Script sends EVALSHA and falls back to loading the script when Redis answers
NOSCRIPT (after a restart or SCRIPT FLUSH); `redis_client.eval(text, ...)` would send the
whole text on every call.
"""


def script(redis_client, text):
    """The registered Script for `text` on this client (cached on the client object)."""
    scripts = redis_client.__dict__.setdefault("_hooks_scripts", {})
    found = scripts.get(text)
    if found is None:
        found = scripts[text] = redis_client.register_script(text)
    return found


def run(redis_client, text, keys, args):
    return script(redis_client, text)(keys=list(keys), args=list(args))

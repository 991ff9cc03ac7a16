"""handlers/store/scripts.py: Lua by EVALSHA on any client, the cache kept off redis-py's objects."""
from handlers.redis_client import client_from_url
from handlers.store import scripts

ECHO = "return ARGV[1] .. ':' .. KEYS[1]  -- tests/test_store_scripts.py"


def _calls(redis_client, command):
    return redis_client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0)


def test_a_script_runs_by_evalsha_on_every_client_and_nothing_is_stored_on_them(redis_client, redis_url):
    other = client_from_url(redis_url)
    try:
        evals = _calls(redis_client, "eval")
        assert scripts.run(redis_client, ECHO, ["k"], ["a"]) == "a:k"
        assert scripts.run(other, ECHO, ["k"], ["b"]) == "b:k"
        redis_client.script_flush()  # NOSCRIPT: the script is loaded again, not sent by EVAL
        assert scripts.run(other, ECHO, ["k"], ["c"]) == "c:k"
        assert _calls(redis_client, "eval") == evals
        assert redis_client.script_exists(scripts.script(other, ECHO).sha) == [True]
        assert not [name for name in (*vars(redis_client), *vars(other)) if name.startswith("_hooks")]
    finally:
        other.close()

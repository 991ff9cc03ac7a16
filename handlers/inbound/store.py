"""Store a new event, claim its dedupe key and queue its routing task: one Lua call.

Either all of it happens or none of it: the script runs atomically in Redis, so an
accepted event is always both stored and queued, and a duplicate queues nothing.
"""
import json
import os

import redis
from redis.exceptions import NoScriptError, ResponseError

from handlers.errors import ServiceUnavailable
from handlers.inbound.enqueue import task_message
from handlers.store.events import EVENTS_INDEX, event_key, event_record

DEDUPE_WINDOW_SECONDS = 24 * 60 * 60
ROUTE_TASK_NAME = "routing.route_event"

# KEYS: dedupe key, event hash, events index, queue list
# ARGV: event id, dedupe ttl, index score, task message, the hash's field/value pairs as one
# JSON array of strings (one argument to pack instead of twenty; cjson decodes it in Redis)
STORE_AND_ENQUEUE = """
local first = redis.call('GET', KEYS[1])
if first then
  return {first, 1}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
redis.call('HSET', KEYS[2], unpack(cjson.decode(ARGV[5])))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('LPUSH', KEYS[4], ARGV[4])
return {ARGV[1], 0}
"""


class StoreUnavailable(ServiceUnavailable):
    """Redis did not answer: nothing was accepted, the sender must retry."""

    code = "store_unavailable"


class ScriptCaller:
    """Runs STORE_AND_ENQUEUE on a connection of its own, taken from a free list.

    The request path's one Redis call. redis-py's client takes a connection from its pool,
    wraps the call in retry and telemetry hooks and gives it back, about 50 us of CPU a
    call on 2 cores (bench/ingest); holding Connections (redis-py's own class: same socket
    options, timeouts and health checks) and calling send_command/read_response skips that.
    A call takes an idle connection (or makes one) and puts it back when done, so there are
    as many as calls at once, whether those run in threads or in gevent's greenlets (the
    web process's gunicorn worker: a greenlet-local one would be a Redis connection per
    HTTP connection). list.pop/append are atomic, so no lock; after a fork the list is
    dropped (the parent's sockets are not ours). On a socket error the connection is closed
    and not put back, so the next call connects anew (the service recovers without a
    restart when Redis comes back).
    """

    def __init__(self, redis_client):
        self.pool = redis_client.connection_pool
        self.script = redis_client.register_script(STORE_AND_ENQUEUE)
        self.pid, self.idle = os.getpid(), []

    def take(self):
        if self.pid != os.getpid():
            self.pid, self.idle = os.getpid(), []
        try:
            return self.idle.pop()
        except IndexError:
            return self.pool.connection_class(**self.pool.connection_kwargs)

    def __call__(self, keys, args):
        connection = self.take()
        try:
            try:
                reply = self._run(connection, "EVALSHA", self.script.sha, keys, args)
            except NoScriptError:  # Redis restarted or SCRIPT FLUSH: EVAL loads it again
                reply = self._run(connection, "EVAL", self.script.script, keys, args)
        except ResponseError:
            self.idle.append(connection)  # an error reply read in full: the connection is sound
            raise
        except BaseException:
            connection.disconnect()  # a half-read reply must not be read by the next call
            raise
        self.idle.append(connection)
        return reply

    @staticmethod
    def _run(connection, command, script, keys, args):
        connection.send_command(command, script, len(keys), *keys, *args)
        return connection.read_response()


def store_script(redis_client):
    """The ScriptCaller of this client (cached on the client object)."""
    caller = getattr(redis_client, "_hooks_store_script", None)
    if caller is None:
        caller = redis_client._hooks_store_script = ScriptCaller(redis_client)
    return caller


def store_event(redis_client, celery_app, queue, event, dedupe_key, task=None):
    """Store `event` (kwargs of event_record) and queue its routing, unless a duplicate.

    `task` is (task name, args); the default routes the event: ("routing.route_event",
    [event id]). Returns (event id, duplicate). Raises StoreUnavailable when Redis fails.
    """
    record = event_record(dedupe_key=dedupe_key, **event)
    task_name, task_args = task or (ROUTE_TASK_NAME, [record["id"]])
    _, message = task_message(celery_app, task_name, task_args)
    pairs = json.dumps([part for item in record.items() for part in item], ensure_ascii=False)
    keys = [dedupe_key, event_key(record["id"]), EVENTS_INDEX, queue]
    args = [record["id"], DEDUPE_WINDOW_SECONDS, record["received_ts"], message, pairs]
    try:
        event_id, duplicate = store_script(redis_client)(keys=keys, args=args)
    except (redis.RedisError, OSError) as exc:
        raise StoreUnavailable(
            f"the event store is not answering ({type(exc).__name__}); nothing was accepted, retry later"
        ) from None
    return event_id, bool(duplicate)

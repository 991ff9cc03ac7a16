"""Store new events, claim their dedupe keys and queue their routing tasks: one Lua call.

Either all of it happens or none of it: the script runs atomically in Redis, so an
accepted event is always both stored and queued, a duplicate queues nothing, and a
batch (several events from one request) is stored whole or not at all.
"""
import json
import os

import redis
from redis.exceptions import NoScriptError, ResponseError

from handlers.errors import ServiceUnavailable
from handlers.inbound.enqueue import TaskMessages, check_settings
from handlers.redis_health import FULL_FRACTION, MemoryGauge, MemoryState, info_fields, out_of_memory
from handlers.store.events import EVENTS_INDEX, event_key, event_record
from handlers.task_names import ROUTE_EVENT

DEDUPE_WINDOW_SECONDS = 24 * 60 * 60

# KEYS: events index, then per event: dedupe key, event hash, the task's queue list
# ARGV: dedupe ttl, then per event: event id, index score, task message, the hash's
# field/value pairs as one JSON array of strings (one argument to pack instead of twenty;
# cjson decodes it in Redis)
# Returns per event: the stored (or the first) event id, 1 if a duplicate else 0.
STORE_AND_ENQUEUE = """
local answer = {}
for i = 0, (#KEYS - 1) / 3 - 1 do
  local dedupe, id = KEYS[2 + 3 * i], ARGV[2 + 4 * i]
  local first = redis.call('GET', dedupe)
  if first then
    answer[#answer + 1] = first
    answer[#answer + 1] = 1
  else
    redis.call('SET', dedupe, id, 'EX', tonumber(ARGV[1]))
    redis.call('HSET', KEYS[3 + 3 * i], unpack(cjson.decode(ARGV[5 + 4 * i])))
    redis.call('ZADD', KEYS[1], ARGV[3 + 4 * i], id)
    redis.call('LPUSH', KEYS[4 + 3 * i], ARGV[4 + 4 * i])
    answer[#answer + 1] = id
    answer[#answer + 1] = 0
  end
end
return answer
"""


class StoreUnavailable(ServiceUnavailable):
    """Redis did not answer, or evicts keys: nothing was accepted, the sender must retry."""

    code = "store_unavailable"


class StoreFull(ServiceUnavailable):
    """Redis is above FULL_FRACTION of maxmemory (or refused the write, OOM): nothing was accepted."""

    code = "store_full"


class ScriptCaller:
    """Runs STORE_AND_ENQUEUE on a connection of its own, taken from a free list.

    The request path's one Redis call, on held Connections (redis-py's own class: same
    socket options, timeouts and health checks) with send_command/read_response, without
    the client's pool and per-call machinery (what that saves: docs/benchmarks.md,
    bench/ingest_profile).
    A call takes an idle connection (or makes one) and puts it back when done, so there are
    as many as calls at once, whether those run in threads or in gevent's greenlets (the
    web process's gunicorn worker: a greenlet-local one would be a Redis connection per
    HTTP connection). list.pop/append are atomic, so no lock; after a fork the list is
    dropped (the parent's sockets are not ours).

    On a socket error every idle connection is dropped (after a Redis restart they are all
    stale) and the call is made once more on a new one: a stale connection is no reason to
    refuse a hook, and the retry is safe (the dedupe key makes a second run of the script
    answer "duplicate" with the first id).

    Before the script, the memory gauge (at most one `INFO memory` a second, on the same
    connection) refuses the event when Redis evicts keys or is above FULL_FRACTION of
    maxmemory; an OOM reply to the script itself is store_full too.
    """

    def __init__(self, redis_client):
        self.pool = redis_client.connection_pool
        self.script = redis_client.register_script(STORE_AND_ENQUEUE)
        self.pid, self.idle = os.getpid(), []
        self.memory = MemoryGauge()

    def take(self):
        if self.pid != os.getpid():
            self.pid, self.idle = os.getpid(), []
        try:
            return self.idle.pop()
        except IndexError:
            return self.pool.connection_class(**self.pool.connection_kwargs)

    def drop_idle(self):
        idle, self.idle = self.idle, []
        for connection in idle:
            connection.disconnect()

    def __call__(self, keys, args):
        try:
            return self._call(keys, args)
        except redis.ConnectionError:  # stale since a Redis restart, or Redis down: once more, on a new socket
            self.drop_idle()
            return self._call(keys, args)

    def _call(self, keys, args):
        connection = self.take()
        try:
            reply = self._store(connection, keys, args)
        except (ResponseError, ServiceUnavailable):  # the reply was read whole: the connection is sound
            self.idle.append(connection)
            raise
        except BaseException:
            connection.disconnect()  # a half-read reply must not be read by the next call
            raise
        self.idle.append(connection)
        return reply

    def _store(self, connection, keys, args):
        state = self.memory.current(self._memory_state, connection)
        if state is not None and state.refuses_events:
            if state.evicts:
                raise StoreUnavailable("the event store is not set up to keep events; nothing was accepted, retry later")
            raise StoreFull(f"the event store is over {FULL_FRACTION:.0%} of its memory; nothing was accepted, retry later")
        try:
            return self._run(connection, "EVALSHA", self.script.sha, len(keys), *keys, *args)
        except NoScriptError:  # Redis restarted or SCRIPT FLUSH: EVAL loads it again
            return self._run(connection, "EVAL", self.script.script, len(keys), *keys, *args)

    def _memory_state(self, connection):
        return MemoryState.from_info(info_fields(self._run(connection, "INFO", "memory")))

    @staticmethod
    def _run(connection, *command):
        connection.send_command(*command)
        return connection.read_response()


class InboundStore:
    """Stores accepted events and queues their tasks; one per app, built in create_app
    (`app.extensions["inbound_store"]`) and shared by its threads.

    `messages` builds the task messages (handlers.inbound.enqueue.TaskMessages),
    `script` runs STORE_AND_ENQUEUE (ScriptCaller, with the memory gauge).
    """

    def __init__(self, redis_client, celery_app):
        self.messages = TaskMessages(celery_app)
        self.script = ScriptCaller(redis_client)

    def store_event(self, event, dedupe_key, task=None):
        """Store `event` (kwargs of event_record) and queue its routing, unless a duplicate.

        `task` is (task name, args); the default routes the event: ("routing.route_event",
        [event id]). Returns (event id, duplicate). Raises StoreUnavailable when Redis fails
        or evicts keys, StoreFull when it is (nearly) out of memory.
        """
        return self.store_events([(event, dedupe_key, task)])[0]

    def store_events(self, items):
        """Store several events at once, all or none: items are (event, dedupe key, task or
        None), as for store_event. Returns [(event id, duplicate)] in the same order."""
        keys, args = [EVENTS_INDEX], [DEDUPE_WINDOW_SECONDS]
        for event, dedupe_key, task in items:
            record = event_record(dedupe_key=dedupe_key, **event)
            task_name, task_args = task or (ROUTE_EVENT, [record["id"]])
            queue, _, message = self.messages.message(task_name, task_args)
            pairs = json.dumps([part for item in record.items() for part in item], ensure_ascii=False)
            keys += [dedupe_key, event_key(record["id"]), queue]
            args += [record["id"], record["received_ts"], message, pairs]
        try:
            answer = self.script(keys=keys, args=args)
        except (redis.RedisError, OSError) as exc:
            if out_of_memory(exc):
                raise StoreFull("the event store is full; nothing was accepted, retry later") from None
            raise StoreUnavailable(
                f"the event store is not answering ({type(exc).__name__}); nothing was accepted, retry later"
            ) from None
        return [(answer[i], bool(answer[i + 1])) for i in range(0, len(answer), 2)]


def init_app(app):
    """Refuse Celery settings the hand-built messages cannot honour; build the app's store."""
    celery_app = app.extensions["celery"]
    celery_app.finalize()  # send_task applies a registered task's options: register them now
    check_settings(celery_app, [ROUTE_EVENT])
    app.extensions["inbound_store"] = InboundStore(app.extensions["redis"], celery_app)

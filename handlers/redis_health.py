"""Can this Redis keep what we accept: its eviction policy, memory and persistence, read from INFO.

An evicting Redis (any `maxmemory-policy` but `noeviction`) silently drops accepted
events, queued tasks and dedupe keys; a full one refuses writes. Managed services (Heroku
Redis) refuse CONFIG, so the policy and memory come from `INFO memory`; only the RDB save
points are not in INFO, and are asked with CONFIG GET when the AOF is off (refused: a
warning). Used by /readyz (`readiness`) and by the hooks' store (`MemoryGauge`).
"""
import time
from dataclasses import dataclass
from functools import cached_property

import redis

SAFE_POLICY = "noeviction"
WARN_FRACTION = 0.80  # /readyz warns above this share of maxmemory
FULL_FRACTION = 0.90  # hooks answer 503 store_full above it: the rest is the workers' to drain
SAMPLE_SECONDS = 1.0  # how old a MemoryGauge's INFO sample may be
WORKER_ROOM_BYTES = 256 * 1024  # free memory a worker needs to start (kombu's first writes)
ROOM_POLL_SECONDS = 2.0  # how often a waiting worker looks again


@dataclass(frozen=True)
class MemoryState:
    """What `INFO memory` says; `maxmemory` 0 is no limit."""

    policy: str
    used: int
    maxmemory: int

    @classmethod
    def from_info(cls, info):
        """From INFO's fields, parsed by redis-py (ints) or by `info_fields` (strings)."""
        return cls(str(info.get("maxmemory_policy", "")), int(info.get("used_memory", 0)), int(info.get("maxmemory", 0)))

    @property
    def fraction(self):
        return self.used / self.maxmemory if self.maxmemory else 0.0

    @property
    def evicts(self):
        return bool(self.policy) and self.policy != SAFE_POLICY

    @property
    def full(self):
        return self.fraction > FULL_FRACTION

    @cached_property  # read on every hook: worked out once per sample
    def refuses_events(self):
        return self.evicts or self.full

    @property
    def room_for_a_worker(self):
        return not self.maxmemory or self.used + WORKER_ROOM_BYTES < self.maxmemory


def out_of_memory(exc):
    """Whether a Redis error reply is the OOM refusal of a full noeviction Redis (a command's
    `-OOM ...`, or wrapped in a script's "Error running script ...: -OOM ...")."""
    return isinstance(exc, redis.exceptions.OutOfMemoryError) or "OOM command not allowed" in str(exc)


def info_fields(text):
    """The `key:value` lines of an INFO reply read as raw text."""
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def memory_state(redis_client):
    return MemoryState.from_info(redis_client.info("memory"))


def persistence_warning(redis_client):
    """None when the AOF is on or RDB has save points, else why the data may not survive a restart."""
    if int(redis_client.info("persistence").get("aof_enabled", 0)):
        return None
    try:
        save = redis_client.config_get("save").get("save", "")
    except redis.ResponseError:
        return "redis: the AOF is off and CONFIG is refused, so RDB snapshots cannot be checked; make sure the data is persisted"
    if not save.strip():
        return "redis: no persistence (no AOF, no RDB save points): a restart loses accepted events"
    return None


def readiness(redis_client):
    """(problems, warnings) about this Redis; raises redis.RedisError/OSError when it does not answer."""
    redis_client.ping()
    problems, warnings = [], []
    try:
        state = memory_state(redis_client)
    except redis.ResponseError:
        return problems, ["redis: INFO memory is refused: the eviction policy and memory cannot be checked"]
    if state.evicts:
        problems.append(f"redis: maxmemory-policy is {state.policy}, not {SAFE_POLICY}: it evicts accepted events")
    if state.fraction > WARN_FRACTION:
        warnings.append(f"redis: memory at {state.fraction:.0%} of maxmemory"
                        f" (hooks answer 503 store_full above {FULL_FRACTION:.0%})")
    try:
        warning = persistence_warning(redis_client)
    except redis.ResponseError:
        warning = "redis: INFO persistence is refused: persistence cannot be checked"
    if warning:
        warnings.append(warning)
    return problems, warnings


def wait_for_room(redis_client, logger, sleep=time.sleep):
    """Return once Redis has room for a worker to start; until then log and look again.

    A full noeviction Redis refuses every write, and every command inside MULTI: kombu's
    Redis transport, starting, takes a lock (SET NX), sizes the queue (LLEN in MULTI) and
    binds it (SADD), and each refusal ends the worker ("Unrecoverable error:
    OutOfMemoryError"), over and over under a process manager. Started, it would pop a
    message (BRPOP) and then fail to note it as unacked (MULTI): the message would be
    lost. So the worker waits, alive and saying why, and drains once memory is freed.
    A Redis that does not answer, or refuses INFO, is not waited for here.
    """
    while True:
        try:
            state = memory_state(redis_client)
        except (redis.RedisError, OSError):
            return
        if state.room_for_a_worker:
            return
        logger.warning("Redis is full (%d of %d bytes of maxmemory used): the worker waits for room before "
                       "consuming; raise maxmemory or free memory", state.used, state.maxmemory)
        sleep(ROOM_POLL_SECONDS)


class MemoryGauge:
    """The latest MemoryState, read with `read()` at most every SAMPLE_SECONDS.

    One per InboundStore (so per app and process): the hooks' path pays one INFO a second, not one
    per request. `current()` is None when INFO could not be read (then nothing is refused
    on its account: a Redis that does not answer fails the store call itself).
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.sample = (float("-inf"), None)  # (taken at, MemoryState or None)

    def current(self, read, *args):
        """The sample, taken again with `read(*args)` when it is SAMPLE_SECONDS old."""
        taken, state = self.sample
        now = self.clock()
        if now - taken < SAMPLE_SECONDS:
            return state
        try:
            state = read(*args)
        except redis.ResponseError:  # INFO refused or renamed: not ours to refuse hooks for
            state = None
        self.sample = (now, state)
        return state

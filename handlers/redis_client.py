"""One way to reach Redis, for the web app, the worker, the scheduler and the CLI."""
import os
import ssl

import redis

SOCKET_TIMEOUT_SECONDS = 5
CONNECT_TIMEOUT_SECONDS = 2
# One client per process; its pool is bounded: under the worker's gevent pool 100 deliveries
# run at once, and a command waits (up to SOCKET_TIMEOUT_SECONDS) for a free connection
# rather than opening the 101st.
MAX_CONNECTIONS_PER_CLIENT = 20


def embedded_url(data_dir):
    """The URL of the embedded server kept in `data_dir` (see handlers.embedded_redis)."""
    return "unix://" + socket_path(data_dir)


def socket_path(data_dir):
    path = os.path.join(os.path.abspath(data_dir), "redis.sock")
    if len(path) > 100:  # a Unix socket path holds at most 107 bytes
        import hashlib
        import tempfile

        digest = hashlib.sha1(path.encode()).hexdigest()[:12]
        path = os.path.join(tempfile.gettempdir(), f"hooks-redis-{digest}.sock")
    return path


def resolve_url(config):
    """REDIS_URL when set, else the embedded server's socket."""
    return config.get("REDIS_URL") or embedded_url(config["EMBEDDED_REDIS_DIR"])


def client_from_url(url):
    """A redis-py client on a bounded pool; `rediss://` skips certificate checks as Heroku Redis needs."""
    options = dict(
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    if url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    if url.startswith("unix://"):
        options.pop("socket_connect_timeout")
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS_PER_CLIENT,
                                                 timeout=SOCKET_TIMEOUT_SECONDS, **options)
    return redis.Redis.from_pool(pool)


def broker_url(url):
    """kombu spells a Unix socket `redis+socket://`."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://"):]
    return url


def broker_ssl_options(url):
    if url.startswith("rediss://"):
        return {"ssl_cert_reqs": ssl.CERT_NONE}
    return None


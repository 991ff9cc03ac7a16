"""Fixtures: a real Redis (REDIS_URL if set, else the embedded server), the app, its
test client and CLI runner, and a real Celery worker started in-process.

With REDIS_URL set, each test starts by flushing that database: point it at a
database of its own (for example redis://127.0.0.1:6379/9).
"""
import os
import textwrap

import pytest
from celery.contrib.testing.worker import start_worker

from app import create_app
from handlers.embedded_redis import EmbeddedRedis
from handlers.redis_client import client_from_url
from tests.admin_helpers import ADMIN_TOKEN
from tests.helpers import MINIMAL_ROUTES

# Fixture modules, for every test module (none imports a fixture itself): the loopback
# vendor simulators, the `hooks` client, the echo action, a Redis of a test's own, worker
# subprocesses, the app on the shipped routes.yaml.
pytest_plugins = [
    "tests.simulators.plugin",
    "tests.hooks_helpers",
    "tests.routing_helpers",
    "tests.redis_server",
    "tests.worker_helpers",
    "tests.shipped_helpers",
]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False).start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_client(redis_url):
    client = client_from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def routes_file(tmp_path):
    """Write a rules file and return its path: routes_file(yaml_text)."""

    def write(text=MINIMAL_ROUTES, name="routes.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return str(path)

    return write


@pytest.fixture
def make_app(redis_url, redis_client, routes_file):
    """Build an app on the test Redis: make_app(routes_text=None, **config)."""

    def factory(routes=MINIMAL_ROUTES, **config):
        test_config = {
            "TESTING": True,
            "REDIS_URL": redis_url,
            "ROUTES_FILE": routes_file(routes),
            "PUBLIC_BASE_URL": "http://hooks.test",
            "ADMIN_TOKEN": ADMIN_TOKEN,
        }
        test_config.update(config)
        return create_app(test_config)

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def celery_worker(app):
    """A real worker consuming the app's queues through Redis, in this process."""
    with start_worker(
        app.extensions["celery"],
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
    ) as worker:
        yield worker

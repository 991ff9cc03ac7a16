"""`python -m handlers.sandbox.run CMD ...`: run CMD with the vendor sandbox in front of it.

With VENDOR_SANDBOX=true (`make run` sets it unless you do), every vendor that has no
credential in the environment, and neither a credential nor a base URL in `.env`, gets a sandbox
server on 127.0.0.1 (an ephemeral port) with a credential made for this run. CMD (honcho,
and through it web, worker and scheduler) gets `<VENDOR>_BASE_URL`, the credential and
SANDBOX_VENDORS in its environment; every call is recorded in Redis (REDIS_URL, which
handlers.embedded_redis sets). The servers stop after CMD has ended, so a stopping worker
can still finish its calls. With the sandbox off, or nothing to serve, it just runs CMD.
"""
import logging
import os
import secrets
import sys

from dotenv import dotenv_values

from handlers import settings
from handlers.child import run_child
from handlers.redis_client import client_from_url, resolve_url
from handlers.sandbox.calls import CallRecorder
from handlers.sandbox.vendors import SANDBOX_VENDORS_KEY, SANDBOXES, vendors_to_sandbox

log = logging.getLogger("handlers.sandbox")


def user_settings(dotenv_path):
    """The settings `.env` names, empty ones too (honcho gives them to every process, over the
    environment)."""
    return {name: value or "" for name, value in dotenv_values(dotenv_path).items()} if os.path.exists(dotenv_path) else {}


def start_servers(names, recorder, host="127.0.0.1"):
    """name -> (running server, its credential), one per vendor in `names`."""
    servers = {}
    for name in names:
        credential = secrets.token_urlsafe(24)
        server = SANDBOXES[name].server_class(host=host, credential=credential)
        server.recorder = recorder
        servers[name] = (server.start(), credential)
    return servers


def sandbox_environment(servers):
    """The variables that point each sandboxed vendor's client at its server."""
    environ = {SANDBOX_VENDORS_KEY: ",".join(servers)}
    for name, (server, credential) in servers.items():
        environ[SANDBOXES[name].base_url_key] = server.url
        environ[SANDBOXES[name].credential_key] = credential
    return environ


def announce(servers):
    for name, (server, _) in servers.items():
        log.warning("vendor sandbox: %s calls go to %s (no %s set): recorded, not sent to %s; "
                    "see `./hooks sandbox calls %s`", name, server.url, SANDBOXES[name].credential_key, name, name)


def run_with_sandbox(command, environ=None, dotenv_path=".env"):
    environ = dict(os.environ if environ is None else environ)
    from_dotenv = user_settings(dotenv_path)
    config = {**environ, **from_dotenv}
    names = vendors_to_sandbox(config, from_dotenv)
    if not names:
        return run_child(command, environ)
    servers = start_servers(names, CallRecorder(client_from_url(resolve_url(settings.from_environment(environ)))))
    announce(servers)
    environ.update(sandbox_environment(servers))
    try:
        return run_child(command, environ)
    finally:
        for server, _ in servers.values():
            server.stop()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m handlers.sandbox.run COMMAND [ARGS...]")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(run_with_sandbox(sys.argv[1:]))

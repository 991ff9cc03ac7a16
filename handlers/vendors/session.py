"""The requests.Session every vendor call goes through.

requests reads the environment for proxies, CA bundles and ~/.netrc on every request
when `trust_env` is on (its cost: docs/benchmarks.md, bench/pipeline), for settings that
do not change while a worker runs. So they are read once, here: with no
proxy variable set, `trust_env` is turned off and a CA bundle variable is applied to the
session. With a proxy variable set, requests keeps reading the environment as usual
(it applies no_proxy per URL). ~/.netrc is never a source of vendor credentials: the
session's own `auth` is a no-op, which keeps requests from looking there (it would replace
the Authorization header a client set with a netrc login for that host).
"""
import os

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
KEEP_ALIVE_PER_HOST = 100  # the worker's greenlets (Procfile --concurrency) may all call one vendor at once


def uses_proxy(environ):
    return any(environ.get(name) or environ.get(name.upper()) for name in PROXY_VARIABLES)


class HeadersAsSet(AuthBase):
    """Leaves the request as the client prepared it (a per-request `auth` still wins)."""

    def __call__(self, request):
        return request


def vendor_session(environ=None):
    environ = os.environ if environ is None else environ
    session = requests.Session()
    session.auth = HeadersAsSet()
    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(pool_connections=10, pool_maxsize=KEEP_ALIVE_PER_HOST))
    if not uses_proxy(environ):
        session.trust_env = False
        bundle = next((environ[name] for name in CA_BUNDLE_VARIABLES if environ.get(name)), None)
        if bundle:
            session.verify = bundle
    return session

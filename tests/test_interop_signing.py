"""Signed senders and receivers, with the reference libraries as the real peers.

Inbound: requests signed by `standardwebhooks` and by `svix` (each used as documented: a
secret string, `Webhook(secret).sign(...)`) reach a real gunicorn web process started from the
Procfile once for this module, and the Flask test client for the many smaller cases.
Outbound: every `http.post` signature is checked in a loopback receiver by each library's
`Webhook(secret).verify(body, headers)`. Secrets come in both forms the libraries read:
`whsec_<base64>` and plain base64.
"""
import base64
import json
import os
import textwrap
import time
import uuid
from datetime import datetime, timezone

import pytest
import requests
import standardwebhooks
import svix.webhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import dotenv_init
from handlers.actions import load_all
from handlers.inbound.errors import WebhookVerificationError
from handlers.inbound.verify import verify_signature
from handlers.rules import RulesError, parse_rules
from handlers.signing import SecretError, secret_key, signature
from handlers.store.events import EVENTS_INDEX
from handlers.vendors.errors import VendorAuthError, VendorRejected
from tests.simulators.support import context
from tests.web_process import web_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NEW_KEY, OLD_KEY = b"interop-current-signing-key-32b!", b"interop-previous-signing-key-32b"
NEW_WHSEC = "whsec_" + base64.b64encode(NEW_KEY).decode()
OLD_PLAIN = base64.b64encode(OLD_KEY).decode()
SVIX_KEY = b"svix-sender-signing-key-32bytes!"
SVIX_PLAIN = base64.b64encode(SVIX_KEY).decode()
SECRETS = {"whsec": NEW_WHSEC, "plain": OLD_PLAIN}  # both are valid on `signed` at once (rotation)
TOKEN, ZAP_TOKEN = "interop-hook-token", "zapier-hook-token"
ROUTES = f"""
sources:
  signed:
    type: incoming
    tokens: ["{TOKEN}"]
    signing_secret: "{NEW_WHSEC} {OLD_PLAIN}"
  svix-signed:
    type: incoming
    tokens: ["{TOKEN}"]
    signing_secret: "{SVIX_PLAIN}"
  zapier:
    type: incoming
    tokens: ["{ZAP_TOKEN}", "zapier-previous-token"]
routes: []
"""
BODY = b'{"received": "campaign.created", "name": "Spring sale", "budget": 1200}'
LIBRARIES = {"standardwebhooks": standardwebhooks.Webhook, "svix": svix.webhooks.Webhook}
HEADER_PREFIX = {"standardwebhooks": "webhook", "svix": "svix"}  # what a sender built on each sends


def library_headers(library, secret, body=BODY, msg_id=None, sent_at=None, token=TOKEN):
    """The headers a sender using `library` sends: its own signature, as the library signs."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    sent_at = datetime.now(tz=timezone.utc) if sent_at is None else sent_at
    prefix = HEADER_PREFIX[library]
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(int(sent_at.timestamp())),
        f"{prefix}-signature": LIBRARIES[library](secret).sign(msg_id, sent_at, body.decode()),
    }


def minutes_ago(minutes):
    return datetime.fromtimestamp(time.time() - minutes * 60, tz=timezone.utc)


@pytest.fixture(scope="module")
def web(redis_url, tmp_path_factory):
    """The Procfile's web process (gunicorn, one worker) on the interop rules: its base URL."""
    folder = tmp_path_factory.mktemp("interop-web")
    (folder / "routes.yaml").write_text(ROUTES)
    with web_process(folder, redis_url, str(folder / "routes.yaml"), WEB_CONCURRENCY="1") as web:
        yield web.url
    assert NEW_WHSEC not in web.output() and OLD_PLAIN not in web.output()


@pytest.fixture
def hook_routes():
    return ROUTES


def post(web, source, headers, body=BODY, **kwargs):
    return requests.post(f"{web}/hooks/incoming/{source}", data=body, headers=headers, timeout=10, **kwargs)


def refusal(response):
    """The message of a 401 from gunicorn (a requests answer) or from the Flask test client."""
    served = isinstance(response, requests.Response)
    assert response.status_code == 401, response.text if served else response.get_data(as_text=True)
    return (response.json() if served else response.get_json())["error"]["message"]


# --- inbound, through gunicorn -------------------------------------------------------------


@pytest.mark.parametrize("form", SECRETS)
@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_library_signed_request_is_accepted_by_gunicorn(web, redis_client, library, form):
    """Both secret forms are listed on `signed` at once: each verifies, as each library signs."""
    response = post(web, "signed", library_headers(library, SECRETS[form]))
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_svix_sender_with_plain_base64_secret(web, redis_client, library):
    response = post(web, "svix-signed", library_headers(library, SVIX_PLAIN))
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_tampered_body_is_refused_by_gunicorn(web, redis_client, library):
    headers = library_headers(library, NEW_WHSEC)
    message = refusal(post(web, "signed", headers, body=BODY.replace(b"1200", b"9200")))
    assert message == f"no {HEADER_PREFIX[library]}-signature matches"
    assert redis_client.zcard(EVENTS_INDEX) == 0


@pytest.mark.parametrize("minutes", [6, -6], ids=["6-minutes-old", "6-minutes-ahead"])
@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_timestamp_six_minutes_off_is_refused_by_gunicorn(web, redis_client, library, minutes):
    headers = library_headers(library, NEW_WHSEC, sent_at=minutes_ago(minutes))
    message = refusal(post(web, "signed", headers))
    assert message == f"{HEADER_PREFIX[library]}-timestamp is too {'old' if minutes > 0 else 'new'}"


@pytest.mark.parametrize("auth", [(ZAP_TOKEN, ""), ("zapier", ZAP_TOKEN), ("", "zapier-previous-token")],
                         ids=["token-as-user", "token-as-password", "rotated-token-as-password"])
def test_interop_basic_auth_from_requests_is_accepted_by_gunicorn(web, redis_client, auth):
    response = post(web, "zapier", {"Content-Type": "application/json"}, auth=auth)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("auth", [("wrong-token", ""), ("zapier", "wrong-token"), (TOKEN, "")],
                         ids=["user", "password", "another-sources-token"])
def test_interop_wrong_basic_auth_is_refused_by_gunicorn(web, redis_client, auth):
    assert refusal(post(web, "zapier", {"Content-Type": "application/json"}, auth=auth)) == "wrong token"


def test_interop_query_token_is_accepted_by_gunicorn(web, redis_client):
    response = requests.post(f"{web}/hooks/incoming/zapier", params={"token": ZAP_TOKEN}, data=BODY,
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 202, response.text


# --- inbound, the many cases (Flask test client) -------------------------------------------


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_sender_rotating_signs_with_both_secrets(hooks, library):
    """A sender in the middle of a rotation sends two signatures, space-separated; one is ours."""
    msg_id, sent_at = "msg_rotation", datetime.now(tz=timezone.utc)
    headers = library_headers(library, SVIX_PLAIN, msg_id=msg_id, sent_at=sent_at)
    other = "whsec_" + base64.b64encode(b"a-secret-we-never-had-32-bytes!!").decode()
    name = f"{HEADER_PREFIX[library]}-signature"
    headers[name] = LIBRARIES[library](other).sign(msg_id, sent_at, BODY.decode()) + " " + headers[name]
    LIBRARIES[library](SVIX_PLAIN).verify(BODY, headers)  # the library agrees it is valid
    assert hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=headers).status_code == 202


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_a_secret_we_do_not_have_is_refused(hooks, library):
    stranger = base64.b64encode(b"not-one-of-the-two-listed-secrets").decode()
    headers = library_headers(library, stranger)
    message = refusal(hooks.post("/hooks/incoming/signed", data=BODY, headers=headers))
    assert message == f"no {HEADER_PREFIX[library]}-signature matches"


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_unpadded_base64_secret_reads_as_the_library_reads_it(make_app, library):
    """The libraries add the padding a secret lacks; so do we."""
    unpadded = base64.b64encode(b"twenty-nine bytes of key text").decode()
    assert unpadded.endswith("=")
    client = make_app(ROUTES.replace(SVIX_PLAIN, unpadded.rstrip("="))).test_client()
    headers = library_headers(library, unpadded.rstrip("="))
    assert client.post("/hooks/incoming/svix-signed", data=BODY, headers=headers).status_code == 202


def test_interop_svix_id_identifies_a_duplicate(hooks, redis_client):
    """Svix re-sends a message with its svix-id and a new timestamp and signature: a duplicate.
    Two messages with the same body but their own svix-ids are two events."""
    def send(msg_id, sent_at=None):
        headers = library_headers("svix", SVIX_PLAIN, msg_id=msg_id, sent_at=sent_at)
        response = hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=headers)
        assert response.status_code == 202, response.get_data(as_text=True)
        return response.get_json()

    first = send("msg_first", sent_at=minutes_ago(2))
    assert send("msg_first") == {"event_id": first["event_id"], "duplicate": True}
    second = send("msg_second")
    assert second["duplicate"] is False and second["event_id"] != first["event_id"]


@pytest.mark.parametrize("header", ["svix-id", "svix-timestamp", "svix-signature"])
def test_interop_svix_header_missing(hooks, header):
    headers = library_headers("svix", SVIX_PLAIN)
    del headers[header]
    assert refusal(hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=headers)) == f"missing {header} header"


def test_interop_no_signature_headers_at_all(hooks):
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    message = refusal(hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=headers))
    assert message == "missing webhook-id header (or svix-id)"


def both_header_sets(webhook_secret, svix_secret):
    headers = library_headers("standardwebhooks", webhook_secret, msg_id="msg_both")
    headers.update({name: value for name, value in library_headers("svix", svix_secret, msg_id="msg_both").items()
                    if name.startswith("svix-")})
    return headers


def test_interop_both_header_sets_webhook_set_is_read(hooks):
    """With webhook-* and svix-* both sent, webhook-* decides; svix-* is not read at all."""
    good_webhook = both_header_sets(SVIX_PLAIN, OLD_PLAIN)
    assert hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=good_webhook).status_code == 202
    good_svix_only = both_header_sets(OLD_PLAIN, SVIX_PLAIN)
    message = refusal(hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=good_svix_only))
    assert message == "no webhook-signature matches"


def test_interop_header_sets_are_never_mixed(hooks):
    """A webhook-id beside a complete svix-* set: the webhook-* set is read, and it is incomplete."""
    headers = library_headers("svix", SVIX_PLAIN)
    headers["webhook-id"] = headers["svix-id"]
    message = refusal(hooks.post("/hooks/incoming/svix-signed", data=BODY, headers=headers))
    assert message == "missing webhook-timestamp header"


KEY_BYTES = st.binary(min_size=1, max_size=64)


@settings(max_examples=200, deadline=None)
@given(key=KEY_BYTES, prefix=st.sampled_from(["", "whsec_"]), padded=st.booleans())
def test_interop_every_base64_secret_gives_the_librarys_key(key, prefix, padded):
    text = base64.b64encode(key).decode()
    secret = prefix + (text if padded else text.rstrip("="))
    stamp = datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)
    assert secret_key(secret) == key
    for library in LIBRARIES.values():
        assert signature(secret_key(secret), "msg_p", "1700000000", BODY) == library(secret).sign("msg_p", stamp, BODY.decode())


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ABCDabcd0189+/=-_ !.", max_size=24), prefix=st.sampled_from(["", "whsec_"]))
def test_interop_a_secret_we_accept_is_one_the_libraries_read_the_same(text, prefix):
    """Any string: we refuse it, or our key is the library's (they skip stray characters)."""
    secret = prefix + text
    try:
        key = secret_key(secret)
    except SecretError:
        return
    stamp = datetime.fromtimestamp(1_700_000_000, tz=timezone.utc)
    expected = standardwebhooks.Webhook(secret).sign("msg_p", stamp, BODY.decode())
    assert signature(key, "msg_p", "1700000000", BODY) == expected


def test_interop_our_verifier_accepts_what_svix_signs_and_svix_refuses_what_we_refuse():
    now = int(time.time())
    headers = library_headers("svix", SVIX_PLAIN)
    verify_signature(SVIX_PLAIN, headers, BODY, now)
    with pytest.raises(WebhookVerificationError):
        verify_signature(SVIX_PLAIN, headers, BODY + b" ", now)
    with pytest.raises(svix.webhooks.WebhookVerificationError):
        svix.webhooks.Webhook(SVIX_PLAIN).verify(BODY + b" ", headers)


# --- outbound: http.post verified by each library ------------------------------------------

ACTIONS = load_all()


@pytest.fixture
def receiver(httpserver):
    """A loopback receiver that answers 204 when the library's verify() passes, else 401."""
    seen = []

    def make(library, secret):
        def handle(request):
            from werkzeug import Response

            try:
                LIBRARIES[library](secret).verify(request.get_data(), dict(request.headers))
            except Exception as exc:  # the library's WebhookVerificationError
                seen.append(("refused", type(exc).__name__, str(exc)))
                return Response(status=401)
            seen.append(("verified", dict(request.headers), request.get_data()))
            return Response(status=204)

        httpserver.expect_request("/hook", method="POST").respond_with_handler(handle)
        return httpserver.url_for("/hook")

    make.seen = seen
    return make


@pytest.mark.parametrize("form", SECRETS)
@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_http_post_signature_verifies_with_library(receiver, library, form):
    url = receiver(library, SECRETS[form])
    args = {"url": url, "json": {"booking": 6, "name": "Spring sale"}, "sign": SECRETS[form]}
    result = ACTIONS["http.post"].run(args, context({"HTTP_ALLOW_PRIVATE": True}))
    assert result.status == 204, receiver.seen
    [(outcome, headers, body)] = receiver.seen
    assert outcome == "verified" and json.loads(body) == {"booking": 6, "name": "Spring sale"}
    assert headers["Webhook-Id"].startswith("msg_")


@pytest.mark.parametrize("library", LIBRARIES)
def test_interop_http_post_signed_with_another_secret_is_refused_by_library(receiver, library):
    """The receiver's check can fail: it holds the old secret, the route signs with the new one."""
    url = receiver(library, OLD_PLAIN)
    args = {"url": url, "json": {"booking": 7}, "sign": NEW_WHSEC}
    with pytest.raises(VendorAuthError) as caught:
        ACTIONS["http.post"].run(args, context({"HTTP_ALLOW_PRIVATE": True}))
    assert caught.value.status == 401
    [(outcome, name, _)] = receiver.seen
    assert (outcome, name) == ("refused", "WebhookVerificationError")


def test_interop_http_post_sign_rendered_to_non_base64_is_refused_without_its_value(httpserver):
    args = {"url": httpserver.url_for("/hook"), "json": {"a": 1}, "sign": "rendered-secret-not-base64!"}
    with pytest.raises(VendorRejected) as caught:
        ACTIONS["http.post"].run(args, context({"HTTP_ALLOW_PRIVATE": True}))
    assert "sign" in str(caught.value) and "rendered-secret" not in str(caught.value)
    assert httpserver.log == []


# --- load errors: a secret that is not base64 ----------------------------------------------

BAD_SECRET = "campaign-secret-not-base64"  # token_urlsafe-like: '-' is not in base64's alphabet

SIGN_ROUTES = textwrap.dedent("""
    sources:
      foxoms: {type: foxoms, tokens: ["fox-token"], events: [bookingCreated]}
    routes:
      - id: to-partner
        source: foxoms
        actions:
          - id: notify
            call: http.post
            args: {url: "https://partner.example/in", json: {a: 1}, sign: "${PARTNER_SIGN}"}
""")


def problems_of(text, environ):
    with pytest.raises(RulesError) as caught:
        parse_rules(text, environ)
    return caught.value.problems


@pytest.mark.parametrize("secret", [BAD_SECRET, f"whsec_{BAD_SECRET}", f"{NEW_WHSEC} {BAD_SECRET}"],
                         ids=["plain", "whsec", "second-of-two"])
def test_interop_non_base64_signing_secret_is_a_load_error_naming_the_source(secret):
    problems = problems_of(ROUTES.replace(f"{NEW_WHSEC} {OLD_PLAIN}", "${SIGNED_SECRET}"), {"SIGNED_SECRET": secret})
    assert [p.split(":")[0] for p in problems] == ["sources.signed.signing_secret"]
    assert BAD_SECRET not in " ".join(problems) and NEW_WHSEC not in " ".join(problems)


def test_interop_non_base64_sign_is_a_load_error_naming_the_route():
    problems = problems_of(SIGN_ROUTES, {"PARTNER_SIGN": BAD_SECRET})
    assert [p.split(":")[0] for p in problems] == ["routes[to-partner].actions[notify].args.sign"]
    assert BAD_SECRET not in " ".join(problems)
    assert parse_rules(SIGN_ROUTES, {"PARTNER_SIGN": NEW_WHSEC}).routes  # a whsec_ secret loads


def test_interop_routes_check_cli_names_the_source_without_the_value(make_app, routes_file, monkeypatch):
    monkeypatch.setenv("SIGNED_SECRET", BAD_SECRET)
    broken = routes_file(ROUTES.replace(f"{NEW_WHSEC} {OLD_PLAIN}", "${SIGNED_SECRET}"), "broken.yaml")
    result = make_app().test_cli_runner().invoke(args=["routes", "check", "--file", broken])
    assert result.exit_code == 1
    assert "sources.signed.signing_secret: not a signing secret" in result.output
    assert BAD_SECRET not in result.output


# --- make run's .env -----------------------------------------------------------------------


def generated_env(tmp_path, monkeypatch, rules_text):
    """The .env that `make run` (python -m handlers.dotenv_init) writes for a rules file."""
    rules = tmp_path / "routes.yaml"
    rules.write_text(rules_text)
    for name in dotenv_init.VARIABLE.findall(rules_text):
        monkeypatch.delenv(name, raising=False)
    dotenv_init.main(str(rules), str(tmp_path / ".env"))
    return dict(line.split("=", 1) for line in (tmp_path / ".env").read_text().splitlines())


@pytest.mark.parametrize("rules,name", [("shipped", "CAMPAIGN_SIGNING_SECRET"), ("sign", "PARTNER_SIGN")])
def test_interop_dotenv_generates_whsec_secrets_the_libraries_read(tmp_path, monkeypatch, rules, name):
    if rules == "shipped":
        rules_text = open(os.path.join(ROOT, "routes.yaml"), encoding="utf-8").read()
    else:
        rules_text = SIGN_ROUTES
    values = generated_env(tmp_path, monkeypatch, rules_text)
    secret = values[name]
    assert secret.startswith("whsec_") and len(secret_key(secret)) == dotenv_init.SIGNING_KEY_BYTES
    headers = library_headers("svix", secret)
    svix.webhooks.Webhook(secret).verify(BODY, headers)
    verify_signature(secret, headers, BODY, int(time.time()))
    assert not any(value.startswith("whsec_") for other, value in values.items() if other != name)
    parse_rules(rules_text, values)  # the generated .env loads

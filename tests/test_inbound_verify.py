"""One test per way verification can fail (and per way it succeeds): tokens in each of
four places, rotation, Standard Webhooks (or svix-*) signatures on the raw bytes."""
import base64
import time

import pytest

from handlers.signing import SecretError, secret_keys
from handlers.signing import signature as sign
from tests.hooks_helpers import OLD_SECRET_BYTES, ROUTES, SECRET, SECRET_BYTES, signed_headers

BODY = b'{"type": "customer.created", "name": "Acme"}'
URL = "/hooks/incoming/new-customer"


def post_foxoms(hooks, headers=None, query=""):
    headers = {"Content-Type": "application/json", **(headers or {})}
    return hooks.post(f"/hooks/foxoms/bookingCreated{query}", data=b'{"id": 6}', headers=headers)


def error_message(response):
    assert response.status_code == 401, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def test_token_in_the_query(hooks):
    assert post_foxoms(hooks, query="?token=fox-token-new").status_code == 202


def test_token_in_authorization_bearer(hooks):
    assert post_foxoms(hooks, {"Authorization": "Bearer fox-token-new"}).status_code == 202


def test_token_in_x_hook_token(hooks):
    assert post_foxoms(hooks, {"X-Hook-Token": "fox-token-new"}).status_code == 202


def test_rotated_token_still_accepted(hooks):
    assert post_foxoms(hooks, {"X-Hook-Token": "fox-token-old"}).status_code == 202


def test_missing_token(hooks):
    assert "missing token" in error_message(post_foxoms(hooks))


@pytest.mark.parametrize(
    "headers,query",
    [({}, "?token=wrong"), ({"Authorization": "Bearer wrong"}, ""), ({"X-Hook-Token": "wrong"}, "")],
    ids=["query", "bearer", "x-hook-token"],
)
def test_wrong_token(hooks, redis_client, headers, query):
    message = error_message(post_foxoms(hooks, headers, query))
    assert message == "wrong token" and "wrong" not in message.replace("wrong token", "")
    assert redis_client.keys("*") == []


def test_another_sources_token_is_refused(hooks):
    assert error_message(post_foxoms(hooks, {"X-Hook-Token": "plain-token"})) == "wrong token"


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize("user,password", [("fox-token-new", ""), ("zapier", "fox-token-old"), ("", "fox-token-new")],
                         ids=["user", "password", "password-only"])
def test_token_in_authorization_basic(hooks, user, password):
    assert post_foxoms(hooks, basic(user, password)).status_code == 202


@pytest.mark.parametrize("user,password", [("wrong", ""), ("zapier", "wrong"), ("fox-token", "new")],
                         ids=["user", "password", "split"])
def test_wrong_token_in_authorization_basic(hooks, redis_client, user, password):
    assert error_message(post_foxoms(hooks, basic(user, password))) == "wrong token"
    assert redis_client.keys("*") == []


def test_authorization_basic_that_is_not_base64(hooks):
    message = error_message(post_foxoms(hooks, {"Authorization": "Basic fox-token-new!"}))
    assert "Basic" in message and "fox-token-new" not in message


def test_valid_signature_accepted(hooks):
    assert hooks.post(URL, data=BODY, headers=signed_headers(BODY)).status_code == 202


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_signature_header(hooks, header):
    headers = signed_headers(BODY)
    del headers[header]
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == f"missing {header} header"


def test_token_is_still_required_on_a_signed_source(hooks):
    headers = signed_headers(BODY)
    del headers["Authorization"]
    assert "missing token" in error_message(hooks.post(URL, data=BODY, headers=headers))


def test_wrong_signature(hooks):
    headers = signed_headers(BODY, key=b"not-the-secret")
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == "no webhook-signature matches"


def test_signature_of_another_body(hooks):
    headers = signed_headers(b'{"type": "customer.created", "name": "Evil"}')
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == "no webhook-signature matches"


def test_signature_is_checked_on_raw_bytes_not_reparsed_json(hooks):
    spaced = b'{"type":"customer.created","name":"Acme"}'
    headers = signed_headers(BODY)
    assert error_message(hooks.post(URL, data=spaced, headers=headers)) == "no webhook-signature matches"


def test_timestamp_too_old(hooks):
    headers = signed_headers(BODY, timestamp=int(time.time()) - 6 * 60)
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == "webhook-timestamp is too old"


def test_timestamp_too_new(hooks):
    headers = signed_headers(BODY, timestamp=int(time.time()) + 6 * 60)
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == "webhook-timestamp is too new"


def test_timestamp_inside_the_tolerance_either_way(hooks):
    for offset, msg_id in ((-4 * 60, "msg_early"), (4 * 60, "msg_late")):
        headers = signed_headers(BODY, msg_id=msg_id, timestamp=int(time.time()) + offset)
        assert hooks.post(URL, data=BODY, headers=headers).status_code == 202


def test_timestamp_not_a_number(hooks):
    headers = signed_headers(BODY)
    headers["webhook-timestamp"] = "yesterday"
    assert "not a UNIX time" in error_message(hooks.post(URL, data=BODY, headers=headers))


def test_several_signatures_one_from_the_rotated_secret(hooks):
    """The sender signs with its old and new secrets during rotation: one match is enough."""
    headers = signed_headers(BODY, key=OLD_SECRET_BYTES)
    current = sign(SECRET_BYTES, headers["webhook-id"], headers["webhook-timestamp"], BODY)
    headers["webhook-signature"] = f"v1,bm90LWEtc2lnbmF0dXJl {headers['webhook-signature']} {current}"
    assert hooks.post(URL, data=BODY, headers=headers).status_code == 202


def test_receiver_side_rotation_accepts_the_previous_secret(make_app):
    """signing_secret may list several secrets (space-separated) while senders move over."""
    old = "whsec_" + __import__("base64").b64encode(OLD_SECRET_BYTES).decode()
    client = make_app(ROUTES.replace(SECRET, f"{SECRET} {old}")).test_client()
    assert client.post(URL, data=BODY, headers=signed_headers(BODY, key=OLD_SECRET_BYTES)).status_code == 202


def test_signature_without_v1_prefix_is_refused(hooks):
    headers = signed_headers(BODY)
    headers["webhook-signature"] = headers["webhook-signature"].replace("v1,", "v2,")
    assert error_message(hooks.post(URL, data=BODY, headers=headers)) == "no webhook-signature matches"


def test_secrets_are_whsec_base64_or_plain_base64():
    plain = base64.b64encode(SECRET_BYTES).decode()
    assert secret_keys(SECRET) == [SECRET_BYTES]
    assert secret_keys(plain) == [SECRET_BYTES]
    assert secret_keys(plain.rstrip("=") + " " + SECRET) == [SECRET_BYTES, SECRET_BYTES]


@pytest.mark.parametrize("secret", ["plain-secret", "whsec_not base64!", "whsec_", "whsec_abc-_def", "QUJD===", "QUJDR"])
def test_a_secret_that_is_not_base64_is_refused_without_its_value(secret):
    with pytest.raises(SecretError) as caught:
        secret_keys(secret)
    assert secret.removeprefix("whsec_") not in str(caught.value) or not secret.removeprefix("whsec_")


def test_401_comes_before_415_and_400(hooks):
    response = hooks.post("/hooks/foxoms/bookingCreated", data=b"not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 401

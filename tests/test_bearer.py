"""handlers/bearer.py: the one reading of `Authorization: Bearer <token>`, and the three
places that use it (inbound hooks, the admin API, /metrics) taking the same tokens."""
import pytest

from handlers.bearer import bearer_matches, bearer_token


@pytest.mark.parametrize("header, token", [
    ("Bearer abc", "abc"),
    ("bearer abc", "abc"),
    ("BEARER  abc ", "abc"),
    ("Bearer a=b", "a=b"),  # token68 allows only trailing "=": we take the token as sent
    ("Bearer abc==", "abc=="),
    ("Bearer ", None),
    ("Bearer", None),
    ("Basic abc", None),
    ("Bearerabc", None),
    ("", None),
    (None, None),
])
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_bearer_matches_only_the_expected_token():
    assert bearer_matches("Bearer s3cret", "s3cret")
    assert not bearer_matches("Bearer s3cret-not", "s3cret")
    assert not bearer_matches("Basic s3cret", "s3cret")
    assert not bearer_matches(None, "s3cret")


TOKEN_WITH_EQUALS = "plain=token=1"
ROUTES = f"""
sources:
  plain:
    type: incoming
    tokens: ["{TOKEN_WITH_EQUALS}"]
routes: []
"""


def test_a_token_with_an_equals_sign_is_taken_alike_by_hooks_admin_and_metrics(make_app):
    """Inbound hooks read Bearer with werkzeug's parser, which takes `a=b` for parameters
    and found no token; the admin API and /metrics took it. All three take it now."""
    client = make_app(ROUTES, ADMIN_TOKEN=TOKEN_WITH_EQUALS, METRICS_TOKEN=TOKEN_WITH_EQUALS).test_client()
    auth = {"Authorization": f"Bearer {TOKEN_WITH_EQUALS}"}
    hook = client.post("/hooks/incoming/plain", json={"a": 1}, headers=auth)
    assert hook.status_code == 202, hook.get_data(as_text=True)
    assert client.get("/api/events", headers=auth).status_code == 200
    assert client.get("/metrics", headers=auth).status_code == 200

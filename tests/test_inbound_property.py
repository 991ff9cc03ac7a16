"""Property: whatever arrives, the answer is never a 5xx, and nothing is stored unless
the answer is 202 (in which case the event and its queued routing are in Redis)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hooks_helpers import ROUTES
from tests.inbound_property_helpers import CONTENT_TYPES, PATHS, TOKENS, bodies, header_text, headers, send_and_check


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(PATHS),
    token=st.one_of(st.none(), st.sampled_from(TOKENS), header_text),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=bodies,
    extra_headers=headers,
    right_token=st.booleans(),
)
def test_no_5xx_and_nothing_stored_unless_202(
    make_app, redis_client, path, token, content_type, body, extra_headers, right_token
):
    app = make_app(ROUTES)
    send_and_check(app.test_client(), redis_client, path, token, content_type, body, extra_headers, right_token)

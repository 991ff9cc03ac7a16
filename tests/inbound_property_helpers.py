"""Generated requests to the hooks of tests/hooks_helpers.py, and the property each answer
must hold (send_and_check): used by tests/test_inbound_property.py and tests/test_drills.py."""
import json

from hypothesis import event
from hypothesis import strategies as st

from handlers.inbound.enqueue import decode_task_message
from handlers.store.events import EVENTS_INDEX, get_event

PATHS = [
    "/hooks/foxoms/bookingCreated",
    "/hooks/foxoms/contactCreated",
    "/hooks/foxoms/x",
    "/hooks/incoming/plain",
    "/hooks/incoming/new-customer",
    "/hooks/incoming/retired",
    "/hooks/incoming/missing",
]
TOKENS = ["fox-token-new", "fox-token-old", "plain-token", "nc-token", "retired-token", "", "wrong"]
RIGHT_TOKEN = {"foxoms": "fox-token-new", "plain": "plain-token", "new-customer": "nc-token", "retired": "retired-token"}
CONTENT_TYPES = [None, "application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain",
                 "application/vnd.api+json", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]

header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
records = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(), st.text(max_size=5))},
    optional={"name": json_values, "start": json_values, "email": json_values, "seats": json_values,
              "type": json_values, "tags": json_values, "all_day": json_values},
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    records.map(lambda r: json.dumps(r).encode()),
    records.map(lambda r: json.dumps({"data": [r]}).encode()),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Authorization": st.one_of(st.sampled_from(TOKENS).map(lambda t: f"Bearer {t}"), header_text),
        "X-Hook-Token": st.one_of(st.sampled_from(TOKENS), header_text),
        "webhook-id": header_text,
        "webhook-timestamp": st.one_of(header_text, st.integers().map(str)),
        "webhook-signature": header_text,
        "Idempotency-Key": header_text,
        "User-Agent": header_text,
    },
)


def send_and_check(client, redis_client, path, token, content_type, body, extra_headers, right_token):
    """POST one generated request on an empty store; check the property; return the status.
    Never a 5xx; always JSON; stored and queued (one event, one routing task) only on 202."""
    redis_client.flushdb()
    request_headers = dict(extra_headers)
    if content_type:
        request_headers["Content-Type"] = content_type
    if right_token:
        token = RIGHT_TOKEN.get(path.split("/")[2 if "foxoms" in path else 3], "wrong")
    query = {"token": token} if token is not None else {}
    response = client.post(path, data=body, headers=request_headers, query_string=query)
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json
    if response.status_code != 202:
        assert "error" in response.get_json()
        assert redis_client.keys("*") == []
        return response.status_code
    event_id = response.get_json()["event_id"]
    assert get_event(redis_client, event_id) is not None
    assert redis_client.zrange(EVENTS_INDEX, 0, -1) == [event_id]
    assert [decode_task_message(m)[1] for m in redis_client.lrange("celery", 0, -1)] == [[event_id]]
    return response.status_code

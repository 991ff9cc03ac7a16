"""Body formats of real senders (docs/inbound.md "Body formats"): form bodies, lenient types,
batches, and Content-Encoding. Every shape through the Flask test client; the key ones
again against the Procfile's gunicorn web process (module-scoped, one worker)."""
import base64
import gzip
import json
import time
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from handlers.inbound.decoding import decode_body
from handlers.inbound.enqueue import decode_task_message
from handlers.inbound.errors import PayloadTooLarge
from handlers.inbound.payload import MAX_BATCH_EVENTS
from handlers.signing import signature as sign
from handlers.store.events import EVENTS_INDEX, get_event
from tests.admin_helpers import ADMIN
from tests.web_process import WebProcess

SECRET_BYTES = b"formats-signing-key-of-32-bytes!"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
CONTRACT = """
      name: {type: string, required: true}
      seats: {type: integer, min: 1}
      price: {type: number}
      trial: {type: boolean}
      tags: {type: list, of: string}
      ids: {type: list, of: integer}"""
ROUTES = f"""
sources:
  zapier-form:
    type: incoming
    tokens: ["zap-token"]
    formats: [json, form]
    event_field: type
    fields:{CONTRACT}
  zapier-json:
    type: incoming
    tokens: ["zap-token"]
    lenient_types: true
    fields:{CONTRACT}
  strict:
    type: incoming
    tokens: ["zap-token"]
    fields:{CONTRACT}
  batcher:
    type: incoming
    tokens: ["zap-token"]
    batch: true
    event_field: type
    fields:{CONTRACT}
  signed:
    type: incoming
    tokens: ["zap-token"]
    signing_secret: "{SECRET}"
routes:
  - id: big-deal
    source: zapier-json
    filter: {{seats: {{gt: 5}}}}
    actions:
      - {{id: post, call: http.post, args: {{url: "https://deals.test/new", json: {{seats: "{{{{ payload.seats }}}}"}}}}}}
"""
TOKEN = {"X-Hook-Token": "zap-token"}
FORM = {**TOKEN, "Content-Type": "application/x-www-form-urlencoded"}
JSON = {**TOKEN, "Content-Type": "application/json"}
MAX_BODY_BYTES = 1048576  # the default


@pytest.fixture
def hook_routes():
    return ROUTES


def stored(redis_client, response):
    assert response.status_code == 202, response.get_data(as_text=True)
    return get_event(redis_client, response.get_json()["event_id"])


def assert_refused(response, status, code, redis_client):
    """The error shape, and nothing at all in Redis (no event, no dedupe key, no task)."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code, error
    assert redis_client.keys("*") == []
    return error


def queued_ids(redis_client):
    """Event ids of the queued routing tasks, oldest first (the worker pops from the right)."""
    return [decode_task_message(m)[1][0] for m in reversed(redis_client.lrange("celery", 0, -1))]


def zero_bomb(decoded_bytes, wbits=16 + zlib.MAX_WBITS):
    """A gzip (or other wbits) stream of `decoded_bytes` zeros, built without holding them."""
    packer, chunk, parts = zlib.compressobj(9, zlib.DEFLATED, wbits), bytes(1 << 20), []
    for _ in range(decoded_bytes >> 20):
        parts.append(packer.compress(chunk))
    parts.append(packer.flush())
    return b"".join(parts)


# -- form bodies ---------------------------------------------------------------------------

def test_form_body_with_repeated_keys_is_stored_with_declared_types(hooks, redis_client):
    body = "type=lead&name=Ada+Lovelace&seats=7&price=1.5&trial=true&tags=a&tags=b&ids=1&ids=2&x=1&x=2&note="
    event = stored(redis_client, hooks.post("/hooks/incoming/zapier-form", data=body, headers=FORM))
    assert event["name"] == "lead"
    assert event["payload"] == {"type": "lead", "name": "Ada Lovelace", "seats": 7, "price": 1.5, "trial": True,
                                "tags": ["a", "b"], "ids": [1, 2], "x": ["1", "2"], "note": ""}
    assert list(event["payload"]) == ["type", "name", "seats", "price", "trial", "tags", "ids", "x", "note"]


def test_form_key_declared_as_a_list_is_a_list_with_one_value(hooks, redis_client):
    body = "name=Ada&tags=only&ids=3"
    event = stored(redis_client, hooks.post("/hooks/incoming/zapier-form", data=body, headers=FORM))
    assert event["payload"]["tags"] == ["only"] and event["payload"]["ids"] == [3]


def test_form_source_still_takes_json(hooks, redis_client):
    response = hooks.post("/hooks/incoming/zapier-form", json={"name": "Ada", "seats": 2}, headers=TOKEN)
    assert stored(redis_client, response)["payload"] == {"name": "Ada", "seats": 2}


def test_form_on_a_json_only_source_is_415(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/strict", data="name=Ada", headers=FORM),
                           415, "unsupported_media_type", redis_client)
    assert "application/json" in error["message"] and "form-urlencoded" in error["message"]


def test_unlisted_content_type_on_a_form_source_is_415_naming_both(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/zapier-form", data="name=Ada",
                                      headers={**TOKEN, "Content-Type": "text/plain"}),
                           415, "unsupported_media_type", redis_client)
    assert "application/json" in error["message"] and "application/x-www-form-urlencoded" in error["message"]


def test_form_that_is_not_utf8_once_percent_decoded_is_400(hooks, redis_client):
    assert_refused(hooks.post("/hooks/incoming/zapier-form", data="name=%FF%FE", headers=FORM),
                   400, "invalid_form", redis_client)


def test_form_with_too_many_fields_is_400(hooks, redis_client):
    body = "&".join(f"k{n}=v" for n in range(1001))
    assert_refused(hooks.post("/hooks/incoming/zapier-form", data=body, headers=FORM), 400, "invalid_form", redis_client)


def test_form_missing_a_required_field_is_422(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/zapier-form", data="seats=2", headers=FORM),
                           422, "invalid_payload", redis_client)
    assert list(error["fields"]) == ["name"]


# -- lenient types ---------------------------------------------------------------------------

def test_lenient_json_strings_are_stored_converted(hooks, redis_client):
    body = {"name": "Ada", "seats": "7", "price": "1.5", "trial": "false", "ids": ["1", 2], "other": "7"}
    event = stored(redis_client, hooks.post("/hooks/incoming/zapier-json", json=body, headers=TOKEN))
    assert event["payload"] == {"name": "Ada", "seats": 7, "price": 1.5, "trial": False, "ids": [1, 2], "other": "7"}
    assert type(event["payload"]["seats"]) is int and type(event["payload"]["price"]) is float


@pytest.mark.parametrize("text, value", [("7", 7), (" 12 ", 12), ("-3", -3), ("+4", 4)])
def test_lenient_integer_spellings(hooks, redis_client, text, value):
    body = {"name": "Ada", "price": text, "ids": [text]}
    event = stored(redis_client, hooks.post("/hooks/incoming/zapier-json", json=body, headers=TOKEN))
    assert event["payload"]["price"] == value and event["payload"]["ids"] == [value]


@pytest.mark.parametrize("text, value", [("true", True), ("FALSE", False), ("True", True)])
def test_lenient_boolean_spellings(hooks, redis_client, text, value):
    event = stored(redis_client, hooks.post("/hooks/incoming/zapier-json", json={"name": "A", "trial": text},
                                            headers=TOKEN))
    assert event["payload"]["trial"] is value


@pytest.mark.parametrize(
    "field, text, why",
    [
        ("seats", "twelve", "Not an integer."),
        ("seats", "7.5", "Not an integer."),
        ("seats", "", "Not an integer."),
        ("seats", "1_000", "Not an integer."),
        ("seats", "0x10", "Not an integer."),
        ("price", "1.5.1", "Not a number."),
        ("price", "NaN", "Not a number."),
        ("price", "Infinity", "Not a number."),
        ("price", "1e400", "Not a number."),
        ("trial", "maybe", "Not a boolean."),
        ("trial", "1", "Not a boolean."),
        ("seats", "0", "Must be greater than or equal to 1."),
    ],
)
@pytest.mark.parametrize("source, send", [
    ("zapier-json", lambda hooks, body: hooks.post("/hooks/incoming/zapier-json", json=body, headers=TOKEN)),
    ("zapier-form", lambda hooks, body: hooks.post("/hooks/incoming/zapier-form", data=body, headers=FORM)),
], ids=["lenient-json", "form"])
def test_bad_string_is_422_naming_the_field(hooks, redis_client, field, text, why, source, send):
    error = assert_refused(send(hooks, {"name": "Ada", field: text}), 422, "invalid_payload", redis_client)
    assert error["fields"][field][0].startswith(why.split(" ")[0]) and field in error["message"]
    assert error["fields"] == {field: error["fields"][field]}
    if why.startswith("Not"):
        assert error["fields"][field] == [why]


def test_strict_source_refuses_strings_for_integers(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/strict", json={"name": "A", "seats": "7"}, headers=TOKEN),
                           422, "invalid_payload", redis_client)
    assert error["fields"] == {"seats": ["Not an integer."]}


def test_foxoms_source_refuses_the_incoming_only_keys(make_app):
    app = make_app(ROUTES.replace("sources:\n", "sources:\n  foxoms: {type: foxoms, tokens: [t], batch: true}\n"))
    assert app.extensions.get("rules") is None
    assert "sources.foxoms.batch: only an incoming source takes this key" in app.extensions["rules_error"].problems


def test_unknown_format_is_a_load_error(make_app):
    app = make_app(ROUTES.replace("formats: [json, form]", "formats: [json, xml]"))
    assert any(p.startswith("sources.zapier-form.formats") for p in app.extensions["rules_error"].problems)


# -- batches ---------------------------------------------------------------------------------

def test_batch_stores_one_event_per_element_in_order(hooks, redis_client):
    elements = [{"type": "a", "name": "One", "seats": 1}, {"type": "b", "name": "Two"}, {"type": "a", "name": "Three"}]
    response = hooks.post("/hooks/incoming/batcher", json=elements, headers=TOKEN)
    assert response.status_code == 202, response.get_data(as_text=True)
    answer = response.get_json()["events"]
    assert [a["duplicate"] for a in answer] == [False, False, False]
    ids = [a["event_id"] for a in answer]
    assert [get_event(redis_client, i)["payload"] for i in ids] == elements
    assert [get_event(redis_client, i)["name"] for i in ids] == ["a", "b", "a"]
    assert sorted(redis_client.zrange(EVENTS_INDEX, 0, -1)) == sorted(ids)
    assert queued_ids(redis_client) == ids


def test_batch_is_stored_in_one_script_call(hooks, redis_client):
    hooks.post("/hooks/incoming/batcher", json={"name": "warm-up"}, headers=TOKEN)  # loads the script
    redis_client.config_resetstat()
    response = hooks.post("/hooks/incoming/batcher", json=[{"name": str(n)} for n in range(5)], headers=TOKEN)
    assert response.status_code == 202
    stats = redis_client.info("commandstats")
    calls = {name: stats[name]["calls"] for name in stats if name in ("cmdstat_evalsha", "cmdstat_eval")}
    assert calls == {"cmdstat_evalsha": 1}, calls
    assert redis_client.zcard(EVENTS_INDEX) == 6


def test_batch_with_one_bad_element_is_422_naming_the_index_and_stores_nothing(hooks, redis_client):
    elements = [{"name": "One"}, {"name": "Two"}, {"name": "Three", "seats": "x"}, {"seats": 2}]
    error = assert_refused(hooks.post("/hooks/incoming/batcher", json=elements, headers=TOKEN),
                           422, "invalid_payload", redis_client)
    assert error["fields"] == {"2.seats": ["Not an integer."], "3.name": ["Missing data for required field."]}


def test_batch_element_that_is_not_an_object_is_422(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/batcher", json=[{"name": "A"}, 7, [1]], headers=TOKEN),
                           422, "invalid_payload", redis_client)
    assert error["fields"] == {"1": ["Not an object."], "2": ["Not an object."]}


def test_batch_element_with_a_bad_event_name_is_422_naming_the_index(hooks, redis_client):
    error = assert_refused(hooks.post("/hooks/incoming/batcher", json=[{"name": "A"}, {"name": "B", "type": {}}],
                                      headers=TOKEN), 422, "invalid_payload", redis_client)
    assert list(error["fields"]) == ["1.type"]


def test_empty_batch_is_400(hooks, redis_client):
    assert_refused(hooks.post("/hooks/incoming/batcher", json=[], headers=TOKEN), 400, "invalid_json", redis_client)


def test_batch_over_the_cap_is_413(hooks, redis_client):
    elements = [{"name": str(n)} for n in range(MAX_BATCH_EVENTS + 1)]
    error = assert_refused(hooks.post("/hooks/incoming/batcher", json=elements, headers=TOKEN),
                           413, "payload_too_large", redis_client)
    assert str(MAX_BATCH_EVENTS) in error["message"]


def test_batch_at_the_cap_is_stored_whole(hooks, redis_client):
    elements = [{"name": str(n)} for n in range(MAX_BATCH_EVENTS)]
    response = hooks.post("/hooks/incoming/batcher", json=elements, headers=TOKEN)
    assert len(response.get_json()["events"]) == MAX_BATCH_EVENTS
    assert redis_client.zcard(EVENTS_INDEX) == MAX_BATCH_EVENTS and redis_client.llen("celery") == MAX_BATCH_EVENTS


def test_batch_source_takes_a_single_object_as_one_event(hooks, redis_client):
    response = hooks.post("/hooks/incoming/batcher", json={"name": "Solo"}, headers=TOKEN)
    assert set(response.get_json()) == {"event_id", "duplicate"}
    assert stored(redis_client, response)["payload"] == {"name": "Solo"}


def test_array_to_a_source_without_batch_is_400(hooks, redis_client):
    assert_refused(hooks.post("/hooks/incoming/strict", json=[{"name": "A"}], headers=TOKEN),
                   400, "invalid_json", redis_client)


def test_resent_batch_is_all_duplicates_with_the_first_ids(hooks, redis_client):
    elements = [{"name": "One"}, {"name": "Two"}]
    first = hooks.post("/hooks/incoming/batcher", json=elements, headers=TOKEN).get_json()["events"]
    again = hooks.post("/hooks/incoming/batcher", data=json.dumps(elements, indent=2), headers=JSON).get_json()["events"]
    assert again == [{"event_id": a["event_id"], "duplicate": True} for a in first]
    assert redis_client.llen("celery") == 2


def test_batch_dedupes_each_element_on_its_own(hooks, redis_client):
    hooks.post("/hooks/incoming/batcher", json=[{"name": "Old"}], headers=TOKEN)
    answer = hooks.post("/hooks/incoming/batcher", json=[{"name": "New"}, {"name": "Old"}, {"name": "New"}],
                        headers=TOKEN).get_json()["events"]
    assert [a["duplicate"] for a in answer] == [False, True, True]
    assert answer[2]["event_id"] == answer[0]["event_id"]
    assert redis_client.zcard(EVENTS_INDEX) == 2


def test_batch_with_a_message_id_dedupes_by_header_and_index(hooks, redis_client):
    headers = {**TOKEN, "webhook-id": "msg_batch_1"}
    first = hooks.post("/hooks/incoming/batcher", json=[{"name": "A"}, {"name": "A"}], headers=headers).get_json()
    assert [a["duplicate"] for a in first["events"]] == [False, False]  # two places, two events
    again = hooks.post("/hooks/incoming/batcher", json=[{"name": "changed"}, {"name": "B"}, {"name": "C"}],
                       headers=headers).get_json()["events"]
    assert [a["duplicate"] for a in again] == [True, True, False]
    assert [a["event_id"] for a in again[:2]] == [a["event_id"] for a in first["events"]]


# -- Content-Encoding --------------------------------------------------------------------------

BODY = {"name": "Ada", "seats": 3}


@pytest.mark.parametrize("encoding, encode", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("GZIP", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some senders send it
    ("identity", lambda data: data),
], ids=["gzip", "x-gzip", "GZIP", "deflate-zlib", "deflate-raw", "identity"])
def test_encoded_json_is_decoded_and_stored(hooks, redis_client, encoding, encode):
    body = encode(json.dumps(BODY).encode())
    response = hooks.post("/hooks/incoming/strict", data=body, headers={**JSON, "Content-Encoding": encoding})
    assert stored(redis_client, response)["payload"] == BODY


def test_gzip_of_several_members_is_decoded_whole(hooks, redis_client):
    text = json.dumps(BODY).encode()
    body = gzip.compress(text[:5]) + gzip.compress(text[5:])
    response = hooks.post("/hooks/incoming/strict", data=body, headers={**JSON, "Content-Encoding": "gzip"})
    assert stored(redis_client, response)["payload"] == BODY


def test_gzip_form_body_is_decoded(hooks, redis_client):
    body = gzip.compress(b"name=Ada&seats=4&tags=x&tags=y")
    response = hooks.post("/hooks/incoming/zapier-form", data=body, headers={**FORM, "Content-Encoding": "gzip"})
    assert stored(redis_client, response)["payload"] == {"name": "Ada", "seats": 4, "tags": ["x", "y"]}


def test_same_json_gzipped_twice_is_a_duplicate(hooks, redis_client):
    text = json.dumps(BODY).encode()
    first = hooks.post("/hooks/incoming/strict", data=gzip.compress(text, mtime=1), headers={**JSON, "Content-Encoding": "gzip"})
    again = hooks.post("/hooks/incoming/strict", data=gzip.compress(text, mtime=2), headers={**JSON, "Content-Encoding": "gzip"})
    assert again.get_json() == {"event_id": first.get_json()["event_id"], "duplicate": True}


def test_signature_is_checked_on_the_decoded_bytes(hooks, redis_client):
    text = json.dumps(BODY).encode()
    stamp = str(int(time.time()))
    headers = {**JSON, "Content-Encoding": "gzip", "webhook-id": "msg_gz", "webhook-timestamp": stamp,
               "webhook-signature": sign(SECRET_BYTES, "msg_gz", stamp, text)}
    assert stored(redis_client, hooks.post("/hooks/incoming/signed", data=gzip.compress(text), headers=headers))


def test_signature_over_the_compressed_bytes_is_401(hooks, redis_client):
    packed = gzip.compress(json.dumps(BODY).encode())
    stamp = str(int(time.time()))
    headers = {**JSON, "Content-Encoding": "gzip", "webhook-id": "msg_gz", "webhook-timestamp": stamp,
               "webhook-signature": sign(SECRET_BYTES, "msg_gz", stamp, packed)}
    assert_refused(hooks.post("/hooks/incoming/signed", data=packed, headers=headers), 401, "unauthorized", redis_client)


@pytest.mark.parametrize("encoding", ["br", "compress", "zstd", "gzip, gzip", "gzip, br", "x-made-up"])
def test_other_encodings_are_415(hooks, redis_client, encoding):
    body = json.dumps(BODY).encode()  # plain JSON: only the header says otherwise
    error = assert_refused(hooks.post("/hooks/incoming/strict", data=body, headers={**JSON, "Content-Encoding": encoding}),
                           415, "unsupported_encoding", redis_client)
    assert "gzip, deflate" in error["message"]


@pytest.mark.parametrize("body, encoding", [
    (b"\x1f\x8b\x08\x00garbage-not-gzip", "gzip"),
    (gzip.compress(b'{"name": "Ada"}')[:-6], "gzip"),  # truncated
    (gzip.compress(b'{"name": "Ada"}') + b"trailing", "gzip"),
    (b"", "gzip"),
    (b"not deflate at all", "deflate"),
    (zlib.compress(b'{"name": "Ada"}') + b"x", "deflate"),
], ids=["garbage", "truncated", "trailing", "empty", "deflate-garbage", "deflate-trailing"])
def test_corrupt_encoded_body_is_400_invalid_encoding(hooks, redis_client, body, encoding):
    error = assert_refused(hooks.post("/hooks/incoming/strict", data=body, headers={**JSON, "Content-Encoding": encoding}),
                           400, "invalid_encoding", redis_client)
    assert encoding in error["message"]


def test_gzip_bomb_is_413_on_the_decoded_size(hooks, redis_client):
    bomb = zero_bomb(3 << 20)
    assert len(bomb) < 50_000  # a small request ...
    error = assert_refused(hooks.post("/hooks/incoming/strict", data=bomb, headers={**JSON, "Content-Encoding": "gzip"}),
                           413, "payload_too_large", redis_client)
    assert "decoded" in error["message"]  # ... refused for what it would become


def test_decoded_body_at_the_limit_is_accepted(make_app, redis_client):
    hooks = make_app(ROUTES, MAX_BODY_BYTES=1000).test_client()
    text = b'{"name": "A", "pad": "' + b"x" * (1000 - 24) + b'"}'
    assert len(text) == 1000
    ok = hooks.post("/hooks/incoming/strict", data=gzip.compress(text), headers={**JSON, "Content-Encoding": "gzip"})
    assert ok.status_code == 202, ok.get_data(as_text=True)
    over = hooks.post("/hooks/incoming/strict", data=gzip.compress(text + b" "),
                      headers={**JSON, "Content-Encoding": "gzip"})
    assert over.status_code == 413


def test_inflating_a_bomb_never_holds_more_than_the_limit():
    """64 MB of zeros in a 64 KB gzip: decode_body stops at the limit (1 MB) without
    inflating the rest; Python's allocations peak near the limit, not near 64 MB."""
    bomb = zero_bomb(64 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            decode_body(bomb, "gzip", MAX_BODY_BYTES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY_BYTES, peak


def test_many_small_gzip_members_share_one_limit():
    member = gzip.compress(bytes(400_000))
    with pytest.raises(PayloadTooLarge):
        decode_body(member * 3, "gzip", MAX_BODY_BYTES)
    assert len(decode_body(member * 2, "gzip", MAX_BODY_BYTES)) == 800_000


# -- flask routes check / explain show the options ---------------------------------------------

def test_routes_check_shows_each_sources_body_options(make_app):
    result = make_app(ROUTES).test_cli_runner().invoke(args=["routes", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  source zapier-form (incoming): formats json, form; lenient_types off (form bodies always lenient); " \
           "batch off" in lines
    assert "  source zapier-json (incoming): formats json; lenient_types on; batch off" in lines
    assert "  source batcher (incoming): formats json; lenient_types off; batch on" in lines
    assert "  source strict (incoming): formats json; lenient_types off; batch off" in lines


def test_routes_explain_shows_the_options_and_converts_lenient_strings(make_app, tmp_path):
    payload = tmp_path / "deal.json"
    payload.write_text(json.dumps({"name": "Ada", "seats": "7"}))
    result = make_app(ROUTES).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "zapier-json", "--event", "received", str(payload)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["source"] == {"name": "zapier-json", "formats": ["json"], "lenient_types": True, "batch": False}
    (match,) = answer["matches"]
    assert match["route"] == "big-deal" and match["actions"][0]["args"]["json"] == {"seats": 7}


def test_routes_explain_names_a_bad_lenient_string(make_app, tmp_path):
    payload = tmp_path / "deal.json"
    payload.write_text(json.dumps({"name": "Ada", "seats": "seven"}))
    result = make_app(ROUTES).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "zapier-json", "--event", "received", str(payload)])
    assert result.exit_code != 0 and "seats" in result.output


def test_routes_explain_reads_its_file_as_strict_json(make_app, tmp_path):
    payload = tmp_path / "nan.json"
    payload.write_text('{"name": "Ada", "seats": NaN}')
    result = make_app(ROUTES).test_cli_runner().invoke(
        args=["routes", "explain", "--source", "zapier-json", "--event", "received", str(payload)])
    assert result.exit_code != 0 and "NaN is not a JSON number" in result.output


def test_explain_api_shows_the_options(make_app):
    response = make_app(ROUTES).test_client().post(
        "/api/routes/explain", headers=ADMIN,
        json={"source": "batcher", "event": "received", "payload": {"name": "A"}})
    assert response.get_json()["source"] == {"name": "batcher", "formats": ["json"], "lenient_types": False,
                                             "batch": True}


# -- the same against the Procfile's gunicorn web process -----------------------------------------

@pytest.fixture(scope="module")
def web(tmp_path_factory, redis_url):
    process = WebProcess(tmp_path_factory.mktemp("web-formats"), ROUTES, redis_url).start()
    yield process
    process.stop()


def test_web_form_with_repeated_keys_and_lenient_strings(web, redis_client):
    response = web.post("/hooks/incoming/zapier-form", headers=TOKEN,
                        data=[("name", "Ada"), ("seats", "7"), ("trial", "false"), ("tags", "a"), ("tags", "b")])
    assert response.status_code == 202, response.text
    event = get_event(redis_client, response.json()["event_id"])
    assert event["payload"] == {"name": "Ada", "seats": 7, "trial": False, "tags": ["a", "b"]}


def test_web_lenient_json_converts_and_a_bad_string_is_422(web, redis_client):
    good = web.post("/hooks/incoming/zapier-json", headers=TOKEN, json={"name": "Ada", "seats": "12", "price": "9.5"})
    assert get_event(redis_client, good.json()["event_id"])["payload"] == {"name": "Ada", "seats": 12, "price": 9.5}
    redis_client.flushdb()
    bad = web.post("/hooks/incoming/zapier-json", headers=TOKEN, json={"name": "Ada", "seats": "twelve"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"seats": ["Not an integer."]}
    assert redis_client.keys("*") == []


def test_web_batch_good_and_with_one_bad_element(web, redis_client):
    bad = web.post("/hooks/incoming/batcher", headers=TOKEN, json=[{"name": "A"}, {"name": "B"}, {"name": 3}])
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"2.name": ["Not a string."]}
    assert redis_client.keys("*") == []
    good = web.post("/hooks/incoming/batcher", headers=TOKEN, json=[{"name": "A", "seats": 1}, {"name": "B"}])
    assert good.status_code == 202, good.text
    ids = [answer["event_id"] for answer in good.json()["events"]]
    assert [get_event(redis_client, i)["payload"]["name"] for i in ids] == ["A", "B"]
    assert queued_ids(redis_client) == ids


@pytest.mark.parametrize("encoding, encode", [("gzip", gzip.compress), ("deflate", zlib.compress)])
def test_web_encoded_bodies(web, redis_client, encoding, encode):
    response = web.post("/hooks/incoming/strict", data=encode(json.dumps(BODY).encode()),
                        headers={**JSON, "Content-Encoding": encoding})
    assert response.status_code == 202, response.text
    assert get_event(redis_client, response.json()["event_id"])["payload"] == BODY


def test_web_br_is_415(web, redis_client):
    response = web.post("/hooks/incoming/strict", data=json.dumps(BODY), headers={**JSON, "Content-Encoding": "br"})
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_encoding"
    assert redis_client.keys("*") == []


def test_web_gzip_bomb_is_413_and_the_worker_stays_small(web, redis_client):
    """128 MB of zeros in a 128 KB gzip. The worker's peak resident memory grows by far
    less than what the body would inflate to (it stops at MAX_BODY_BYTES)."""
    decoded = 128 << 20
    bomb = zero_bomb(decoded)
    before = web.worker_peak_rss_kib()
    response = web.post("/hooks/incoming/strict", data=bomb, headers={**JSON, "Content-Encoding": "gzip"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    grown_kib = web.worker_peak_rss_kib() - before
    assert grown_kib * 1024 < decoded / 8, f"peak RSS grew {grown_kib} KiB"
    assert redis_client.keys("*") == []


# -- property: whatever shape or encoding arrives, never a 5xx, and all or nothing -----------

FIELD_VALUES = st.sampled_from(["Ada", "7", "1.5", "true", "x", "", "%FF", "+3"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) | FIELD_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
VALID = {"seats": st.integers(1, 9) | st.sampled_from(["7", " 2 "]), "price": st.floats(0, 9) | st.just("1.5"),
         "trial": st.booleans() | st.sampled_from(["true", "FALSE"]), "tags": st.lists(st.text(max_size=3), max_size=2),
         "ids": st.lists(st.integers(0, 9) | st.just("4"), max_size=2), "type": st.sampled_from(["a", "b", 7])}
records = st.fixed_dictionaries(
    {"name": st.text(max_size=6) | json_values},
    optional={key: valid | valid | FIELD_VALUES | json_values for key, valid in VALID.items()},
)
form_pairs = st.lists(st.tuples(st.sampled_from(["name", "seats", "price", "trial", "tags", "ids", "x"]), FIELD_VALUES),
                      max_size=6)
JSON_TYPES = st.sampled_from(["application/json", "application/vnd.api+json; charset=utf-8"])
good_records = st.fixed_dictionaries({"name": st.text(max_size=6)}, optional=VALID)
bodies = st.one_of(
    st.tuples(JSON_TYPES, good_records.map(lambda r: json.dumps(r).encode())),
    st.tuples(JSON_TYPES, st.lists(good_records, min_size=1, max_size=4).map(lambda rs: json.dumps(rs).encode())),
    st.tuples(JSON_TYPES, records.map(lambda r: json.dumps(r).encode())),
    st.tuples(JSON_TYPES, st.lists(records, max_size=4).map(lambda rs: json.dumps(rs).encode())),
    st.tuples(JSON_TYPES, json_values.map(lambda v: json.dumps(v).encode())),
    st.tuples(JSON_TYPES, st.sampled_from([b"NaN", b"[1e400]", b'["\\ud800"]', b"[" * 70 + b"]" * 70])),
    st.tuples(st.just("application/x-www-form-urlencoded"),
              st.tuples(st.just(("name", "Ada")), form_pairs).map(
                  lambda t: "&".join(f"{k}={v}" for k, v in [t[0], *t[1]]).encode())),
    st.tuples(st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "application/json"]),
              st.binary(max_size=80)),
)
ENCODERS = {"": lambda b: b, "gzip": gzip.compress, "deflate": zlib.compress, "br": lambda b: b,
            "gzip-truncated": lambda b: gzip.compress(b)[:-3]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    source=st.sampled_from(["zapier-form", "zapier-json", "strict", "batcher"]),
    body=bodies,
    encoding=st.sampled_from(["", "", "", "gzip", "gzip", "deflate", "br", "gzip-truncated"]),
)
def test_property_no_5xx_and_all_or_nothing(hooks, redis_client, source, body, encoding):
    content_type, text = body
    redis_client.flushdb()
    headers = {**TOKEN, "Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding.split("-")[0]
    response = hooks.post(f"/hooks/incoming/{source}", data=ENCODERS[encoding](text), headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    event(f"status {response.status_code}")
    answer = response.get_json()
    if response.status_code != 202:
        assert set(answer["error"]) >= {"code", "message"}
        assert redis_client.keys("*") == []
        return
    accepted = answer["events"] if "events" in answer else [answer]
    ids = [a["event_id"] for a in accepted]
    assert sorted(redis_client.zrange(EVENTS_INDEX, 0, -1)) == sorted(set(ids))
    assert sorted(queued_ids(redis_client)) == sorted(set(ids))
    for event_id in ids:
        json.dumps(get_event(redis_client, event_id)["payload"], allow_nan=False).encode("utf-8")


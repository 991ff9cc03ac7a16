"""Filter operators, paths and globs (handlers/routing): one table row per case."""
import pytest
from hypothesis import given, settings, strategies as st

from handlers.routing.filters import filter_matches, first_failing_key
from handlers.routing.match import event_matches, glob_problem, judge_route
from handlers.routing.paths import resolve

BOOKING = {
    "id": 6,
    "name": "Test Booking",
    "start": 1547501100,
    "all_day": False,
    "notes": "Some Booking Notes",
    "empty": None,
    "client": [{"id": "4", "name": "Jane Someone", "type": "person"}],
    "status": [{"id": 2, "name": "Confirmed"}, {"id": 7, "name": "Invoiced"}],
    "resources": [{"name": "Edit Suite 2", "type_id": 1}, {"name": "Nik", "type_id": 2}],
    "tags": ["vip", "new"],
    "total": "630.00",
    "ratio": 0.5,
    "matrix": [[1, 2], [3, 4]],
    "nested": {"deeper": {"value": "x"}},
}


@pytest.mark.parametrize(
    "path, expected",
    [
        ("name", ["Test Booking"]),
        ("status.name", ["Confirmed", "Invoiced"]),
        ("status.0.name", ["Confirmed"]),
        ("status.1.id", [7]),
        ("status.5.name", []),
        ("nested.deeper.value", ["x"]),
        ("tags", [["vip", "new"]]),
        ("tags.1", ["new"]),
        ("empty", [None]),
        ("missing", []),
        ("name.first", []),
        ("matrix.1.0", [3]),
    ],
)
def test_paths(path, expected):
    assert resolve(BOOKING, path) == expected


CASES = [
    # (id, condition on a path, expected)
    ("eq-string", {"name": "Test Booking"}, True),
    ("eq-string-no", {"name": "Other"}, False),
    ("eq-case-sensitive", {"name": "test booking"}, False),
    ("eq-int", {"id": 6}, True),
    ("eq-int-float", {"id": 6.0}, True),
    ("eq-strict-string-vs-int", {"id": "6"}, False),
    ("eq-strict-int-vs-string", {"client.id": 4}, False),
    ("eq-string-id", {"client.id": "4"}, True),
    ("eq-bool", {"all_day": False}, True),
    ("eq-bool-not-int", {"all_day": 0}, False),
    ("eq-null", {"empty": None}, True),
    ("eq-list-any-element", {"status.name": "Invoiced"}, True),
    ("eq-list-any-element-no", {"status.name": "Cancelled"}, False),
    ("eq-list-of-scalars", {"tags": "vip"}, True),
    ("eq-index", {"status.0.name": "Confirmed"}, True),
    ("eq-index-other-element", {"status.0.name": "Invoiced"}, False),
    ("eq-missing", {"missing": "x"}, False),
    ("eq-nested-list", {"matrix": 4}, True),
    ("in", {"status.name": {"in": ["Cancelled", "Confirmed"]}}, True),
    ("in-no", {"status.name": {"in": ["Cancelled", "Tentative"]}}, False),
    ("in-strict", {"id": {"in": ["6"]}}, False),
    ("in-missing", {"missing": {"in": ["x"]}}, False),
    ("not_in", {"name": {"not_in": ["Other"]}}, True),
    ("not_in-no", {"name": {"not_in": ["Test Booking"]}}, False),
    ("not_in-list-no-element", {"status.name": {"not_in": ["Cancelled"]}}, True),
    ("not_in-list-one-element-in", {"status.name": {"not_in": ["Invoiced"]}}, False),
    ("not_in-missing", {"missing": {"not_in": ["x"]}}, False),
    ("prefix", {"name": {"prefix": "Test"}}, True),
    ("prefix-no", {"name": {"prefix": "Booking"}}, False),
    ("prefix-list", {"resources.name": {"prefix": "Edit"}}, True),
    ("prefix-wrong-type", {"id": {"prefix": "6"}}, False),
    ("prefix-missing", {"missing": {"prefix": ""}}, False),
    ("suffix", {"name": {"suffix": "Booking"}}, True),
    ("suffix-no", {"name": {"suffix": "Test"}}, False),
    ("suffix-wrong-type", {"start": {"suffix": "100"}}, False),
    ("contains-substring", {"notes": {"contains": "Booking"}}, True),
    ("contains-substring-no", {"notes": {"contains": "Invoice"}}, False),
    ("contains-list-element", {"tags": {"contains": "vip"}}, True),
    ("contains-list-not-substring", {"tags": {"contains": "vi"}}, False),
    ("contains-number-in-string", {"notes": {"contains": 5}}, False),
    ("contains-wrong-type", {"id": {"contains": 6}}, False),
    ("contains-missing", {"missing": {"contains": "x"}}, False),
    ("regex-search", {"name": {"regex": "Book"}}, True),
    ("regex-anchored-no", {"name": {"regex": "^Book"}}, False),
    ("regex-list", {"status.name": {"regex": "^Inv"}}, True),
    ("regex-wrong-type", {"id": {"regex": "6"}}, False),
    ("regex-missing", {"missing": {"regex": ".*"}}, False),
    ("gt", {"start": {"gt": 0}}, True),
    ("gt-no", {"start": {"gt": 1547501100}}, False),
    ("gte", {"start": {"gte": 1547501100}}, True),
    ("lt", {"ratio": {"lt": 1}}, True),
    ("lt-no", {"ratio": {"lt": 0.5}}, False),
    ("lte", {"ratio": {"lte": 0.5}}, True),
    ("gt-numeric-string-is-not-a-number", {"total": {"gt": 1}}, False),
    ("gt-bool-is-not-a-number", {"all_day": {"gte": 0}}, False),
    ("gt-null", {"empty": {"gt": -1}}, False),
    ("gt-missing", {"missing": {"gt": 0}}, False),
    ("gt-list-any", {"status.id": {"gt": 5}}, True),
    ("range-both-hold", {"status.0.id": {"gt": 1, "lt": 3}}, True),
    ("range-one-fails", {"status.0.id": {"gt": 1, "lt": 2}}, False),
    ("exists", {"notes": {"exists": True}}, True),
    ("exists-null-is-present", {"empty": {"exists": True}}, True),
    ("exists-no", {"missing": {"exists": True}}, False),
    ("exists-false-missing", {"missing": {"exists": False}}, True),
    ("exists-false-present", {"notes": {"exists": False}}, False),
    ("exists-false-bad-index", {"status.9.name": {"exists": False}}, True),
    ("and-all-keys", {"name": "Test Booking", "start": {"gt": 0}}, True),
    ("and-one-key-fails", {"name": "Test Booking", "start": {"lt": 0}}, False),
    ("any", {"any": [{"name": "Other"}, {"id": 6}]}, True),
    ("any-none", {"any": [{"name": "Other"}, {"id": 7}]}, False),
    ("any-missing-fields", {"any": [{"missing": "x"}, {"other": 1}]}, False),
    ("not", {"not": {"name": "Other"}}, True),
    ("not-no", {"not": {"name": "Test Booking"}}, False),
    ("not-missing-matches", {"not": {"missing": "x"}}, True),
    ("not-any", {"not": {"any": [{"name": "Other"}, {"id": 7}]}}, True),
    ("any-of-not", {"any": [{"not": {"id": 6}}, {"tags": "new"}]}, True),
    ("nested-not-any-not", {"not": {"any": [{"not": {"id": 6}}]}}, True),
    ("not-of-and", {"not": {"id": 6, "name": "Other"}}, True),
    ("condition-not", {"status.name": {"not": "Cancelled"}}, True),
    ("condition-not-missing", {"missing": {"not": {"prefix": "x"}}}, True),
    ("condition-not-list-element", {"status.name": {"not": "Invoiced"}}, False),
    ("condition-any", {"name": {"any": ["Other", {"prefix": "Test"}]}}, True),
    ("condition-any-no", {"name": {"any": ["Other", {"suffix": "Test"}]}}, False),
    ("condition-any-missing", {"missing": {"any": [{"exists": False}]}}, True),
    ("empty-filter", {}, True),
]


@pytest.mark.parametrize("filter_, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filter(filter_, expected):
    assert filter_matches(filter_, BOOKING) is expected


@pytest.mark.parametrize(
    "filter_, key",
    [
        ({"name": "Test Booking", "start": {"lt": 0}, "id": 7}, "start"),
        ({"status.name": "Cancelled"}, "status.name"),
        ({"id": 6, "any": [{"id": 7}]}, "any"),
        ({"not": {"id": 6}}, "not"),
        ({"id": 6}, None),
    ],
)
def test_first_failing_key(filter_, key):
    assert first_failing_key(filter_, BOOKING) == key


@pytest.mark.parametrize(
    "globs, name, expected",
    [
        (["booking*"], "bookingCreated", True),
        (["booking*"], "BookingCreated", False),
        (["*Created"], "contactCreated", True),
        (["booking?Created"], "bookingCreated", False),
        (["bookingCreate?"], "bookingCreated", True),
        (["[bc]*Created"], "contactCreated", True),
        (["[!bc]*"], "contactCreated", False),
        (["invoice*", "booking*"], "bookingUpdated", True),
        (["bookingCreated"], "bookingCreatedX", False),
        ([], "bookingCreated", False),
    ],
)
def test_event_globs(globs, name, expected):
    assert event_matches(globs, name) is expected


@pytest.mark.parametrize("glob", ["booking[", "[!", "a[]", "x[b"])
def test_bad_globs(glob):
    assert "never closed" in glob_problem(glob)


@pytest.mark.parametrize("glob", ["booking*", "[]]", "[!]]x", "a[bc]d", "*", "?x"])
def test_good_globs(glob):
    assert glob_problem(glob) is None


@pytest.mark.parametrize(
    "route_source, events, filter_, reason, key",
    [
        ("other", ["*"], {}, "source", ""),
        ("foxoms", ["contact*"], {}, "event", ""),
        ("foxoms", ["booking*"], {"id": 6, "name": "x"}, "filter", "name"),
        ("foxoms", ["booking*"], {"id": 6}, "", ""),
    ],
)
def test_judge_route(route_source, events, filter_, reason, key):
    route = {"id": "r", "source": route_source, "events": events, "filter": filter_, "actions": []}
    verdict = judge_route(route, "foxoms", "bookingCreated", BOOKING)
    assert (verdict.matched, verdict.reason, verdict.key) == (reason == "", reason, key)


# Properties over arbitrary JSON payloads: no filter raises, and the laws of not/exists hold.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, width=32) | st.sampled_from(["", "a", "Confirmed", "6"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["id", "name", "status", "0", "tags"]), children, max_size=3),
    max_leaves=12,
)
PAYLOADS = st.dictionaries(st.sampled_from(["id", "name", "status", "tags", "start", "notes"]), JSON_VALUES, max_size=5)
PATHS = st.sampled_from(["id", "name", "status.name", "status.0.name", "tags", "tags.0", "start", "missing.x"])


@settings(max_examples=200, deadline=None)
@given(payload=PAYLOADS, case=st.sampled_from(CASES))
def test_not_negates_every_filter(payload, case):
    filter_ = case[1]
    assert filter_matches({"not": filter_}, payload) is (not filter_matches(filter_, payload))


@settings(max_examples=200, deadline=None)
@given(payload=PAYLOADS, path=PATHS, value=JSON_VALUES)
def test_exists_true_and_false_are_opposites(payload, path, value):
    assert filter_matches({path: {"exists": True}}, payload) is not filter_matches({path: {"exists": False}}, payload)
    if not resolve(payload, path):  # a missing field matches only exists: false and not
        scalar = value if not isinstance(value, (list, dict)) else "x"
        for condition in (scalar, {"in": [scalar]}, {"not_in": [scalar]}, {"prefix": ""}, {"gte": -1e9}, {"contains": scalar}):
            assert filter_matches({path: condition}, payload) is False
        assert filter_matches({path: {"not": scalar}}, payload) is True

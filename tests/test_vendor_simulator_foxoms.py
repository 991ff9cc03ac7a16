"""The FoxOMS simulator itself behaves as docs/vendors.md "FoxOMS" says (raw requests)."""
import requests



def auth(sim):
    return {"Authorization": f"Bearer {sim.token}"}


def test_wrong_token_is_401(foxoms_sim):
    answer = requests.get(foxoms_sim.url + "/booking", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["status"]["success"] is False


def test_access_token_query_is_accepted(foxoms_sim):
    answer = requests.get(foxoms_sim.url + "/booking", params={"access_token": foxoms_sim.token}, timeout=5)
    assert answer.status_code == 200


def test_second_request_within_a_second_is_429(foxoms_sim):
    first = requests.get(foxoms_sim.url + "/booking", headers=auth(foxoms_sim), timeout=5)
    second = requests.get(foxoms_sim.url + "/booking", headers=auth(foxoms_sim), timeout=5)
    assert (first.status_code, second.status_code) == (200, 429)


def test_crud_and_documented_success_shapes(foxoms_sim):
    foxoms_sim.set_rate_limit(None)
    created = requests.post(foxoms_sim.url + "/booking", json={"name": "A"}, headers=auth(foxoms_sim), timeout=5).json()
    assert created["status"]["success"] is True and isinstance(created["status"]["id"], str)
    record_id = created["status"]["id"]
    updated = requests.put(foxoms_sim.url + "/booking", params={"id": record_id}, json={"name": "B"}, headers=auth(foxoms_sim), timeout=5).json()
    assert updated == {"status": {"success": True, "id": record_id}}
    listed = requests.get(foxoms_sim.url + "/booking", params={"id": record_id}, headers=auth(foxoms_sim), timeout=5).json()
    assert listed["data"][0]["name"] == "B"
    deleted = requests.delete(foxoms_sim.url + "/booking", params={"id": record_id}, headers=auth(foxoms_sim), timeout=5).json()
    assert deleted == {"status": {"success": True, "id": int(record_id)}}
    foxoms_sim.add("invoice", number=3)
    invoice_id = next(iter(foxoms_sim.records["invoice"]))
    answer = requests.delete(foxoms_sim.url + "/invoice", params={"id": invoice_id}, headers=auth(foxoms_sim), timeout=5).json()
    assert answer == {"status": {"success": True}}


def test_resthook_api(foxoms_sim):
    foxoms_sim.set_rate_limit(None)
    missing = requests.post(foxoms_sim.url + "/resthook", json={"event_name": "bookingCreated"}, headers=auth(foxoms_sim), timeout=5)
    assert missing.status_code == 400
    for n in range(12):
        requests.post(foxoms_sim.url + "/resthook", json={"event_name": "bookingCreated", "target_url": f"https://x/{n}"},
                      headers=auth(foxoms_sim), timeout=5).raise_for_status()
    page1 = requests.get(foxoms_sim.url + "/resthook", headers=auth(foxoms_sim), timeout=5).json()
    assert len(page1["data"]) == 10
    assert page1["meta"]["pagination"]["links"] == {"next": 2}
    page2 = requests.get(foxoms_sim.url + "/resthook", params={"page": 2, "limit": 10}, headers=auth(foxoms_sim), timeout=5).json()
    assert len(page2["data"]) == 2 and page2["meta"]["pagination"]["links"] == []
    hook_id = page1["data"][0]["id"]
    put = requests.put(foxoms_sim.url + "/resthook", params={"id": hook_id}, json={"target_url": "https://y"}, headers=auth(foxoms_sim), timeout=5)
    assert put.json() == {"status": {"success": True, "id": str(hook_id)}}
    gone = requests.delete(foxoms_sim.url + "/resthook", params={"id": hook_id}, headers=auth(foxoms_sim), timeout=5)
    assert gone.json() == {"status": {"success": True}}
    assert foxoms_sim.requests[-1].method == "DELETE" and foxoms_sim.requests[-1].query == {"id": str(hook_id)}


def test_faults(foxoms_sim):
    foxoms_sim.set_rate_limit(None)
    foxoms_sim.fail_next(status=503, times=2)
    foxoms_sim.rate_limit_next(retry_after=7)
    foxoms_sim.malformed_next("html")
    statuses = [requests.get(foxoms_sim.url + "/booking", headers=auth(foxoms_sim), timeout=5) for _ in range(5)]
    assert [a.status_code for a in statuses] == [503, 503, 429, 200, 200]
    assert statuses[2].headers["Retry-After"] == "7"
    assert statuses[3].text.startswith("<html>")
    assert statuses[4].json()["data"] == []

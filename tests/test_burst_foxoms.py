"""A burst of 200 FoxOMS events, through the real intake, routing and two worker processes,
to the FoxOMS simulator at its 1 request/second: every event arrives, none is answered 429,
and every attempt is visible in GET /api/events/<id>. Prints the achieved rate.

The events are taken in before the workers start, and progress is polled in Redis: the
simulator runs in this process, and a busy test thread (posting, or 200 API reads every
2 s) holds the GIL while a simulator thread waits for it, which delays the simulator's
view of an arrival by tens of milliseconds and makes it see two requests closer than
they came (a 429 the vendor would not have answered).
"""
import json
import os

import pytest

from handlers.store.events import EVENTS_INDEX, event_key
from tests.admin_helpers import ADMIN
from tests.helpers import wait_for

BURST_EVENTS = int(os.environ.get("BURST_EVENTS", "200"))
ROUTES = """
sources:
  foxoms: {type: foxoms, tokens: ["burst-token"], events: [bookingCreated]}
routes:
  - id: booking-copy
    source: foxoms
    events: [bookingCreated]
    filter: {status.name: Confirmed}
    actions:
      - id: copy
        call: foxoms.create
        args:
          module: booking
          fields: {name: "copy of {{ payload.name }}", start: "{{ payload.start }}"}
"""


@pytest.mark.slow
@pytest.mark.timeout(BURST_EVENTS * 2 + 120)
def test_burst_arrives_complete_without_429(make_app, redis_client, foxoms_sim, start_worker_process, routes_file):
    app = make_app(ROUTES)
    client = app.test_client()
    event_ids = []
    for number in range(BURST_EVENTS):
        body = {"data": {"id": number, "name": f"Booking {number}", "start": 1547501100 + number,
                         "status": [{"id": 2, "name": "Confirmed"}]}}
        response = client.post("/hooks/foxoms/bookingCreated", data=json.dumps(body),
                               headers={"Content-Type": "application/json", "X-Hook-Token": "burst-token"})
        assert response.status_code == 202, response.get_json()
        event_ids.append(response.get_json()["event_id"])
    assert redis_client.zcard(EVENTS_INDEX) == BURST_EVENTS
    start_worker_process(ROUTES_FILE=routes_file(ROUTES))
    start_worker_process(ROUTES_FILE=routes_file(ROUTES))

    def completed():
        pipe = redis_client.pipeline(transaction=False)
        for event_id in event_ids:
            pipe.hget(event_key(event_id), "status")
        return all(status == "completed" for status in pipe.execute())

    wait_for(completed, timeout=BURST_EVENTS * 2 + 60, interval=2, message="every event completed")

    creates = [r for r in foxoms_sim.requests if r.method == "POST" and r.path == "/v1/booking"]
    assert 429 not in [r.answered for r in foxoms_sim.requests]
    assert sorted(r.json["name"] for r in creates) == sorted(f"copy of Booking {n}" for n in range(BURST_EVENTS))
    for event_id in event_ids:
        detail = client.get(f"/api/events/{event_id}", headers=ADMIN).get_json()
        (delivery,) = detail["deliveries"]
        assert delivery["status"] == "succeeded"
        assert delivery["attempts"] and delivery["attempts"][-1]["status"] == 200
    span = creates[-1].arrived - creates[0].arrived
    rate = (len(creates) - 1) / span if span else float("inf")
    gaps = [b.arrived - a.arrived for a, b in zip(creates, creates[1:])]
    print(f"\nburst: {len(creates)} deliveries, achieved {rate:.3f} requests/s, smallest gap {min(gaps):.3f} s, "
          f"0 answered 429")

"""flask events list|replay and flask dead-letters list|replay."""
import json

from handlers.store.codec import now
from handlers.store.deliveries import get_delivery
from handlers.store.keys import DEAD_LETTERS
from handlers.task_names import DELIVER
from tests.admin_helpers import make_delivery, make_event, queued_messages


def test_events_list_newest_first_and_filtered(runner, redis_client):
    old = make_event(redis_client, received_ts=now() - 10, status="failed")
    new = make_event(redis_client, status="completed")
    result = runner.invoke(args=["events", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [new, old]
    result = runner.invoke(args=["events", "list", "--status", "failed"])
    assert [line.split("\t")[0] for line in result.output.splitlines()] == [old]


def test_events_list_pages_with_the_printed_cursor(runner, redis_client):
    ids = [make_event(redis_client, received_ts=now() - 10 + i) for i in range(3)]
    first = json.loads(runner.invoke(args=["events", "list", "--limit", "2", "--json"]).output)
    assert [e["id"] for e in first["events"]] == [ids[2], ids[1]]
    second = runner.invoke(args=["events", "list", "--limit", "2", "--cursor", first["next_cursor"]])
    assert [line.split("\t")[0] for line in second.output.splitlines()] == [ids[0]]


def test_events_list_refuses_a_bad_limit(runner):
    result = runner.invoke(args=["events", "list", "--limit", "0"])
    assert result.exit_code == 2


def test_events_replay_queues_dead_deliveries(runner, redis_client):
    event_id = make_event(redis_client, status="failed")
    dead = make_delivery(redis_client, event_id, status="dead")
    result = runner.invoke(args=["events", "replay", event_id])
    assert result.exit_code == 0, result.output
    assert dead in result.output
    assert queued_messages(redis_client) == [(DELIVER, dead)]


def test_events_replay_one_delivery(runner, redis_client):
    event_id = make_event(redis_client, status="completed")
    chosen = make_delivery(redis_client, event_id, status="succeeded")
    result = runner.invoke(args=["events", "replay", event_id, "--delivery", chosen])
    assert result.exit_code == 0, result.output
    assert get_delivery(redis_client, chosen)["status"] == "pending"
    assert queued_messages(redis_client) == [(DELIVER, chosen)]


def test_events_replay_unknown_event_fails(runner, redis_client):
    result = runner.invoke(args=["events", "replay", "evt_missing"])
    assert result.exit_code == 1
    assert "no event" in result.output
    assert queued_messages(redis_client) == []


def test_dead_letters_list_and_replay_by_vendor(runner, redis_client):
    fiwit = make_delivery(redis_client, make_event(redis_client), call="fiwit.create_ticket", status="dead")
    itglue = make_delivery(redis_client, make_event(redis_client), call="itglue.create", status="dead")
    listed = runner.invoke(args=["dead-letters", "list", "--vendor", "itglue"])
    assert [line.split("\t")[0] for line in listed.output.splitlines()] == [itglue]
    result = runner.invoke(args=["dead-letters", "replay", "--vendor", "fiwit"])
    assert result.exit_code == 0, result.output
    assert "replayed 1 dead letters" in result.output
    assert queued_messages(redis_client) == [(DELIVER, fiwit)]
    assert redis_client.zrange(DEAD_LETTERS, 0, -1) == [itglue]


def test_dead_letters_replay_by_route(runner, redis_client):
    kept = make_delivery(redis_client, make_event(redis_client), route_id="keep", status="dead")
    replayed = make_delivery(redis_client, make_event(redis_client), route_id="again", status="dead")
    result = runner.invoke(args=["dead-letters", "replay", "--route", "again"])
    assert result.exit_code == 0, result.output
    assert queued_messages(redis_client) == [(DELIVER, replayed)]
    assert redis_client.zrange(DEAD_LETTERS, 0, -1) == [kept]

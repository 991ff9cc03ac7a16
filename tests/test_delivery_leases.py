"""Leases: a delivery runs in one place at a time; superseded messages do nothing."""
import time

from handlers.delivery import leases
from handlers.store.deliveries import create_delivery, delivery_record, update_delivery

NOW = 1_800_000_000.0
ID = "evt_1:route:action"


def test_a_message_without_token_takes_a_free_delivery(redis_client):
    token = leases.take_lease(redis_client, ID, None, NOW, NOW + 60)
    assert token
    assert redis_client.zscore(leases.INFLIGHT, ID) == NOW + 60
    assert redis_client.get(leases.token_key(ID)) == token


def test_a_live_lease_turns_away_a_message_without_token(redis_client):
    leases.take_lease(redis_client, ID, None, NOW, NOW + 60)
    assert leases.take_lease(redis_client, ID, None, NOW + 59, NOW + 119) is None
    assert leases.take_lease(redis_client, ID, None, NOW + 61, NOW + 121)


def test_a_later_retry_turns_away_a_message_without_token(redis_client):
    redis_client.zadd(leases.RETRIES, {ID: NOW + 3600})
    assert leases.take_lease(redis_client, ID, None, NOW, NOW + 60) is None
    assert leases.take_lease(redis_client, ID, None, NOW + 3600, NOW + 3660)
    assert redis_client.zscore(leases.RETRIES, ID) is None


def test_the_message_holding_the_token_runs_and_older_ones_do_not(redis_client):
    old = leases.hold_for_message(redis_client, ID, NOW + 30)
    new = leases.hold_for_message(redis_client, ID, NOW + 30)
    assert leases.take_lease(redis_client, ID, old, NOW, NOW + 60) is None
    run = leases.take_lease(redis_client, ID, new, NOW, NOW + 60)
    assert run and run != new
    assert leases.take_lease(redis_client, ID, new, NOW, NOW + 60) is None  # a redelivered copy


def test_a_due_retry_is_claimed_once(redis_client):
    redis_client.zadd(leases.RETRIES, {ID: NOW})
    assert leases.claim_due(redis_client, ID, NOW - 1, NOW + 59) is None
    first = leases.claim_due(redis_client, ID, NOW, NOW + 60)
    second = leases.claim_due(redis_client, ID, NOW, NOW + 60)
    assert first and second is None
    assert redis_client.zscore(leases.INFLIGHT, ID) == NOW + 60


def test_an_expired_lease_is_claimed_once_while_the_delivery_is_open(redis_client):
    create_delivery(redis_client, delivery_record("evt_1", "route", "action", "http.post", {}))
    leases.take_lease(redis_client, ID, None, NOW, NOW + 60)
    assert leases.claim_expired(redis_client, ID, NOW + 59, NOW + 119) is None
    token = leases.claim_expired(redis_client, ID, NOW + 60, NOW + 120)
    assert token and leases.claim_expired(redis_client, ID, NOW + 60, NOW + 120) is None
    assert redis_client.get(leases.token_key(ID)) == token


def test_an_expired_lease_of_an_ended_delivery_is_dropped(redis_client):
    create_delivery(redis_client, delivery_record("evt_1", "route", "action", "http.post", {}))
    update_delivery(redis_client, ID, status="succeeded")
    leases.take_lease(redis_client, ID, None, NOW, NOW + 60)
    assert leases.claim_expired(redis_client, ID, NOW + 61, NOW + 121) is None
    assert redis_client.zscore(leases.INFLIGHT, ID) is None


def test_park_bury_release_move_between_the_sets(redis_client):
    leases.take_lease(redis_client, ID, None, time.time(), time.time() + 60)
    pipe = redis_client.pipeline()
    leases.park(pipe, ID, NOW + 3600)
    pipe.execute()
    assert redis_client.zscore(leases.RETRIES, ID) == NOW + 3600
    assert redis_client.zscore(leases.INFLIGHT, ID) is None
    pipe = redis_client.pipeline()
    leases.bury(pipe, ID, NOW)
    pipe.execute()
    assert redis_client.zscore(leases.DEAD, ID) == NOW
    assert redis_client.zscore(leases.RETRIES, ID) is None
    assert redis_client.get(leases.token_key(ID)) is None

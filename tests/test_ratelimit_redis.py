"""Per-vendor rate limits in Redis, shared by every limiter (worker) on the same Redis."""
import threading
import time

import pytest

from handlers.delivery.parking import lane_key
from handlers.delivery.ratelimit import (RateLimited, VendorLimits, parse_limit, reservations_key, stretched_window,
                                         vendor_lane)
from handlers.redis_client import client_from_url

CONFIG = {"FOXOMS_RATE_LIMIT": "1/second", "ITGLUE_RATE_LIMIT": "3/second", "FIWIT_RATE_LIMIT": None}


def limiter(redis_client, max_wait=2.0, config=CONFIG, **kwargs):
    return VendorLimits(redis_client, config, max_wait, **kwargs)


def test_parse_limit():
    assert parse_limit("1/second") == (1, 1.0)
    assert parse_limit("3000/5 minutes") == (3000, 300.0)
    assert parse_limit(None) is None and parse_limit("") is None


def test_the_jitter_margin_is_4_percent_of_the_window_at_most_100_ms():
    assert stretched_window(1.0) == pytest.approx(1.04)
    assert stretched_window(2.0) == pytest.approx(2.08)
    assert stretched_window(5.0) == pytest.approx(5.1)
    assert stretched_window(300.0) == pytest.approx(300.1)


def test_a_long_window_waits_for_its_oldest_request_plus_100_ms(redis_client):
    limits = limiter(redis_client, config={"ITGLUE_RATE_LIMIT": "2/10 seconds"})
    assert [limits.try_acquire("itglue") for _ in range(2)] == [0, 0]
    assert 10.0 < limits.try_acquire("itglue") <= 10.11  # the script adds 1 ms


def test_a_bad_limit_names_its_setting(redis_client):
    with pytest.raises(ValueError, match="FOXOMS_RATE_LIMIT"):
        limiter(redis_client, config={"FOXOMS_RATE_LIMIT": "often"}).try_acquire("foxoms")


def test_second_request_in_the_window_must_wait_a_little_over_a_second(redis_client):
    limits = limiter(redis_client)
    assert limits.try_acquire("foxoms") == 0
    wait = limits.try_acquire("foxoms")
    assert 1.0 < wait <= 1.06


def test_amount_per_window(redis_client):
    limits = limiter(redis_client)
    assert [limits.try_acquire("itglue") for _ in range(3)] == [0, 0, 0]
    assert limits.try_acquire("itglue") > 0


def test_vendor_without_a_limit_is_unlimited(redis_client):
    limits = limiter(redis_client)
    assert all(limits.try_acquire("fiwit") == 0 for _ in range(50))


def reserve(redis_client, vendor, delivery_id, seconds=10):
    """What the dispatcher does for a released delivery: a reservation in Redis's clock."""
    now_s, micros = redis_client.time()
    redis_client.zadd(reservations_key(vendor), {delivery_id: now_s * 1000 + micros // 1000 + seconds * 1000})


def test_no_slot_parks_at_once_without_sleeping(redis_client):
    slept = []
    limits = limiter(redis_client, max_wait=5.0, sleep=slept.append)
    limits.before_request("foxoms", "d0")
    with pytest.raises(RateLimited) as caught:
        limits.before_request("foxoms", "d1")
    assert caught.value.vendor == "foxoms" and caught.value.reason == "rate_limit"
    assert 1.0 < caught.value.retry_in <= 1.06
    assert slept == []


def test_a_reservation_holder_waits_for_its_slot(redis_client):
    limits = limiter(redis_client, max_wait=2.0)
    limits.before_request("foxoms")
    reserve(redis_client, "foxoms", "d1")
    first = time.monotonic()
    limits.before_request("foxoms", "d1")
    assert time.monotonic() - first >= 1.0
    assert redis_client.zcard(reservations_key("foxoms")) == 0  # the reservation is used up


def test_a_holder_whose_slot_is_too_far_gives_its_reservation_back(redis_client):
    limits = limiter(redis_client, max_wait=0.5)
    limits.before_request("foxoms")
    reserve(redis_client, "foxoms", "d1")
    with pytest.raises(RateLimited):
        limits.before_request("foxoms", "d1")
    assert redis_client.zcard(reservations_key("foxoms")) == 0


def test_a_reserved_slot_is_not_taken_by_a_newcomer(redis_client):
    limits = limiter(redis_client)
    reserve(redis_client, "foxoms", "d1")
    assert limits.acquire("foxoms", "newcomer")[0] == "rate_limit"
    assert limits.acquire("foxoms", "d1") == (None, 0.0)


def test_a_newcomer_queues_behind_the_lane_even_with_a_free_slot(redis_client):
    limits = limiter(redis_client)
    redis_client.zadd(lane_key(vendor_lane("fiwit")), {"waiting": 1.0})
    assert limits.acquire("fiwit", "newcomer")[0] == "rate_limit"  # unlimited, but others wait first
    reserve(redis_client, "fiwit", "waiting")
    assert limits.acquire("fiwit", "waiting") == (None, 0.0)


def test_a_cooldown_is_a_reason_of_its_own(redis_client):
    limits = limiter(redis_client)
    limits.cool_down("fiwit", 3)
    with pytest.raises(RateLimited) as caught:
        limits.before_request("fiwit", "d1")
    assert caught.value.reason == "cooldown" and 2.5 < caught.value.retry_in <= 3.0


def test_slots_counts_free_slots_then_says_when_the_next_frees(redis_client):
    limits = limiter(redis_client)
    assert limits.slots("itglue", 0.2) == (3, 0.0)
    reserve(redis_client, "itglue", "d1")
    assert limits.slots("itglue", 0.2) == (2, 0.0)  # a reservation counts as taken
    limits.acquire("itglue", "d1")
    limits.acquire("itglue")
    limits.acquire("itglue")
    free, wait = limits.slots("itglue", 0.2)
    assert free == 0 and 0.8 < wait <= 0.85  # 1.04 s window, woken 0.2 s early
    assert limits.slots("fiwit", 0.2) == (-1, 0.0)  # unlimited: any number


def test_waits_for_the_window_when_the_wait_is_allowed_for_a_holder_only(redis_client):
    limits = limiter(redis_client, max_wait=2.0)
    limits.before_request("foxoms")
    with pytest.raises(RateLimited):
        limits.before_request("foxoms", "not-a-holder")


def test_a_429_cooldown_holds_every_limiter_of_that_vendor_only(redis_client, redis_url):
    limiter(redis_client).cool_down("fiwit", 3)
    other_worker = limiter(client_from_url(redis_url))
    assert 2.5 < other_worker.try_acquire("fiwit") <= 3.0
    assert other_worker.try_acquire("foxtag") == 0


def test_cooldown_is_never_shortened(redis_client):
    limits = limiter(redis_client)
    limits.cool_down("fiwit", 10)
    limits.cool_down("fiwit", 1)
    assert limits.try_acquire("fiwit") > 9


def test_many_workers_together_keep_one_request_per_second(redis_url, redis_client):
    """Four limiters on their own connections race for 1/second: the grants are >= 1 s apart."""
    granted, lock = [], threading.Lock()

    def worker():
        limits = limiter(client_from_url(redis_url))
        while (wait := limits.try_acquire("foxoms")) > 0:
            time.sleep(wait)
        with lock:
            granted.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted.sort()
    gaps = [b - a for a, b in zip(granted, granted[1:])]
    assert len(granted) == 4
    assert min(gaps) >= 1.0, gaps



def test_a_request_answered_late_counts_from_its_answer(redis_client):
    """A request held up between its slot and the wire (a busy process) may reach the vendor
    as late as its answer: the next slot is a period after the answer, less the margin."""
    limits = limiter(redis_client)
    answered = limits.before_request("foxoms")
    time.sleep(0.3)
    answered()
    wait = limits.try_acquire("foxoms")
    assert 0.95 < wait <= 1.01  # without it: 1.04 - 0.3


def test_an_unlimited_vendor_needs_no_answer_hook(redis_client):
    assert limiter(redis_client).before_request("fiwit") is None

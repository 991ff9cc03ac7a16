"""The sweep and the beat schedule, run by a real worker."""
import time

from handlers.store.deliveries import event_delivery_ids, get_delivery
from handlers.store.events import event_record, get_event, new_event_id, save_event
from handlers.task_names import REQUEUE_DUE, SWEEP
from tests.helpers import HOOK_ROUTES, wait_for


def test_beat_runs_the_scheduler_and_the_sweeper(app):
    tasks = {entry["task"]: entry for entry in app.extensions["celery"].conf.beat_schedule.values()}
    assert tasks[REQUEUE_DUE]["schedule"] <= 10
    assert tasks[SWEEP]["schedule"] <= 30
    assert {REQUEUE_DUE, SWEEP} <= set(app.extensions["celery"].tasks)


def test_an_event_stored_but_never_routed_is_routed_by_the_sweep(make_app, redis_client, http_sim):
    app = make_app(HOOK_ROUTES.format(url=http_sim.origin + "/hook"), HTTP_ALLOW_PRIVATE=True)
    from celery.contrib.testing.worker import start_worker

    event_id = new_event_id()
    save_event(redis_client, event_record(event_id, "foxoms", "bookingCreated", {"id": 7}, {}, time.time() - 120))
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30):
        app.extensions["celery"].send_task(SWEEP)
        wait_for(lambda: get_event(redis_client, event_id)["status"] == "completed", timeout=15,
                 message="the event to be routed and delivered")
        app.extensions["celery"].send_task(SWEEP)
        wait_for(lambda: redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 0,
                 message="the second sweep to run")
    [delivery_id] = event_delivery_ids(redis_client, event_id)
    assert get_delivery(redis_client, delivery_id)["attempts"] == 1
    assert [request.json for request in http_sim.requests] == [{"id": 7}]

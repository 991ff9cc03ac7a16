"""A worker bootstep: before the consumer starts (it starts last), wait for room in Redis
(handlers.redis_health.wait_for_room)."""
import logging

from celery import bootsteps

from handlers.redis_health import wait_for_room

logger = logging.getLogger(__name__)


def wait_for_room_step(redis_client):
    """The step class for `celery_app.steps["worker"]`, bound to the app's Redis client."""

    class WaitForRoomInRedis(bootsteps.StartStopStep):
        label = "wait for room in Redis"

        def start(self, worker):
            wait_for_room(redis_client, logger)

    return WaitForRoomInRedis

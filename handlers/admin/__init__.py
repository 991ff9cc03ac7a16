"""The admin side: queries over stored events and dead letters, replay, retention and the
Redis gauges of /metrics. Plain functions over a Redis client (and a Celery app to queue
work); the blueprint in handlers/web/admin.py and the CLI in handlers/cli/admin.py are thin.
"""

"""Celery task messages built in Python, ready for a raw LPUSH (or a Lua script).

The message is byte-for-byte what `celery_app.send_task` would leave in the Redis list:
Celery's protocol-2 headers and body (celery_app.amqp.create_task_message), serialized
with kombu, wrapped in the envelope kombu's Redis transport stores (see kombu
transport/virtual/base.py `prepare_message`, `_inplace_augment_message` and
transport/redis.py `_put`). Building it here lets the web process store an event and
queue its task in one Redis round trip.
"""
import base64
import json
import uuid

from kombu.serialization import dumps as kombu_dumps

PERSISTENT_DELIVERY_MODE = 2


def queue_name(celery_app):
    """The Redis list a task sent to the default queue lands in (priority 0)."""
    return celery_app.conf.task_default_queue


def task_message(celery_app, task_name, args=(), kwargs=None, task_id=None):
    """The JSON text of one task message for the default queue: (task_id, text)."""
    task_id = task_id or str(uuid.uuid4())
    queue = queue_name(celery_app)
    headers, properties, body, _ = celery_app.amqp.create_task_message(
        task_id, task_name, list(args), dict(kwargs or {}), origin=_origin()
    )
    serializer = celery_app.conf.task_serializer
    content_type, content_encoding, payload = kombu_dumps(body, serializer=serializer)
    if isinstance(payload, str):
        payload = payload.encode(content_encoding or "utf-8")
    properties = dict(properties)
    properties.update(
        delivery_mode=PERSISTENT_DELIVERY_MODE,
        delivery_info={"exchange": "", "routing_key": queue},
        priority=0,
        body_encoding="base64",
        delivery_tag=str(uuid.uuid4()),
    )
    envelope = {
        "body": base64.b64encode(payload).decode("ascii"),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    return task_id, json.dumps(envelope)


def decode_task_message(text):
    """(task name, args, kwargs) of a stored message: for tests and diagnostics."""
    envelope = json.loads(text)
    body = json.loads(base64.b64decode(envelope["body"]))
    return envelope["headers"]["task"], body[0], body[1]


def _origin():
    import os
    import socket

    return f"{os.getpid()}@{socket.gethostname()}"

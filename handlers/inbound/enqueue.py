"""Celery task messages built in Python, ready for a raw LPUSH (or a Lua script).

The message is what `celery_app.send_task` would leave in the Redis list: Celery's
protocol-2 headers and body (celery_app.amqp.create_task_message), serialized with kombu,
wrapped in the envelope kombu's Redis transport stores (see kombu
transport/virtual/base.py `prepare_message`, `_inplace_augment_message` and
transport/redis.py `_put`). Building it here lets the web process store an event and
queue its task in one Redis round trip.

Celery builds each task's message once (a template); a message then only fills in what
varies: the task id, the args (body and argsrepr) and the delivery tag.
"""
import base64
import json
import os
import re
import socket
import uuid

from celery.utils.saferepr import saferepr
from kombu.serialization import dumps as kombu_dumps

PERSISTENT_DELIVERY_MODE = 2
# Stand-ins for what varies, replaced in the template's JSON text (never produced by JSON
# encoding of the other fields: they hold no "@@").
_MARKS = {"id": "@@task-id@@", "tag": "@@delivery-tag@@", "body": "@@body@@",
          "argsrepr": "@@argsrepr@@", "kwargsrepr": "@@kwargsrepr@@"}
_MARK_PATTERN = re.compile("(" + "|".join(re.escape(mark) for mark in _MARKS.values()) + ")")
_PLAIN_ARG = re.compile(r"[\w.:@-]*\Z", re.ASCII)  # repr() of such a str is what saferepr gives


def queue_name(celery_app):
    """The Redis list a task sent to the default queue lands in (priority 0).
    Read once per Celery app: a lookup in Celery's layered conf costs microseconds."""
    name = celery_app.__dict__.get("_hooks_queue_name")
    if name is None:
        name = celery_app.__dict__["_hooks_queue_name"] = celery_app.conf.task_default_queue
    return name


def task_message(celery_app, task_name, args=(), kwargs=None, task_id=None):
    """The JSON text of one task message for the default queue: (task_id, text)."""
    task_id = task_id or str(uuid.uuid4())
    template = message_template(celery_app, task_name)
    return task_id, template.render(task_id, list(args), dict(kwargs or {}))


class MessageTemplate:
    """One task's message as Celery and kombu build it, with the varying parts left open."""

    def __init__(self, celery_app, task_name):
        self.amqp = celery_app.amqp
        self.serializer = celery_app.conf.task_serializer
        self.repr_maxlevels = celery_app.conf.task_repr_maxlevels
        self.pid = os.getpid()
        headers, properties, body, _ = celery_app.amqp.create_task_message(
            _MARKS["id"], task_name, [], {}, origin=f"{self.pid}@{socket.gethostname()}"
        )
        self.embed = body[2]  # callbacks, errbacks, chain, chord: fixed for a plain send
        headers = dict(headers, argsrepr=_MARKS["argsrepr"], kwargsrepr=_MARKS["kwargsrepr"])
        queue = queue_name(celery_app)
        properties = dict(properties)
        properties.update(
            delivery_mode=PERSISTENT_DELIVERY_MODE,
            delivery_info={"exchange": "", "routing_key": queue},
            priority=0,
            body_encoding="base64",
            delivery_tag=_MARKS["tag"],
        )
        content_type, content_encoding, _ = kombu_dumps(body, serializer=self.serializer)
        self.content_encoding = content_encoding or "utf-8"
        envelope = {
            "body": _MARKS["body"],
            "content-encoding": content_encoding,
            "content-type": content_type,
            "headers": headers,
            "properties": properties,
        }
        # literal text at even indexes, a mark's name at odd ones
        names = {mark: name for name, mark in _MARKS.items()}
        self.parts = [names.get(part, part) if index % 2 else part
                      for index, part in enumerate(_MARK_PATTERN.split(json.dumps(envelope)))]

    def render(self, task_id, args, kwargs):
        _, _, payload = kombu_dumps((args, kwargs, self.embed), serializer=self.serializer)
        if isinstance(payload, str):
            payload = payload.encode(self.content_encoding)
        values = {
            "id": task_id,
            "tag": str(uuid.uuid4()),
            "body": base64.b64encode(payload).decode("ascii"),
            "argsrepr": json.dumps(self._repr(args))[1:-1],
            "kwargsrepr": json.dumps(self._repr(kwargs))[1:-1],
        }
        parts = self.parts
        return "".join(values[part] if index % 2 else part for index, part in enumerate(parts))

    def _repr(self, value):
        """What Celery puts in argsrepr/kwargsrepr (saferepr), cheaply for plain string ids."""
        if not value:
            return repr(value)
        if isinstance(value, list) and len(value) < 8 and all(
            isinstance(arg, str) and len(arg) < 100 and _PLAIN_ARG.match(arg) for arg in value
        ):
            return repr(value)
        return saferepr(value, self.amqp.argsrepr_maxsize, maxlevels=self.repr_maxlevels)


def message_template(celery_app, task_name):
    """The cached template of `task_name` for this process (the origin names the pid)."""
    templates = celery_app.__dict__.setdefault("_hooks_message_templates", {})
    template = templates.get(task_name)
    if template is None or template.pid != os.getpid():
        template = templates[task_name] = MessageTemplate(celery_app, task_name)
    return template


def decode_task_message(text):
    """(task name, args, kwargs) of a stored message: for tests and diagnostics."""
    envelope = json.loads(text)
    body = json.loads(base64.b64decode(envelope["body"]))
    return envelope["headers"]["task"], body[0], body[1]

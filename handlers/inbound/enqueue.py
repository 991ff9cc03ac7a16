"""Celery task messages for a raw LPUSH inside our store script, as `send_task` queues them.

`celery_app.send_task(name, args)` builds Celery's protocol-2 message
(`app.amqp.create_task_message`), routes it (`app.amqp.router.route`, so `task_routes`
counts), and kombu's Redis transport wraps it in an envelope and LPUSHes its JSON to the
queue's list (kombu `Producer.publish`, virtual `Channel.prepare_message` and
`basic_publish`, redis `Channel._put`). `MessageTemplate` takes the same steps once per
task and process, with the parts that vary per message (task id, reply_to, args, delivery
tag) left open, so that the web process stores an event and queues its task in one Redis
round trip. tests/test_inbound_enqueue.py compares every header, property and body value
with what `send_task` itself queued.

Only what such a message can honour is accepted; `check_settings` (called by create_app)
refuses the rest at start: a priority, message compression, task protocol 1, sent events,
publish signals, per-message expiry, routes that are functions of the arguments, and
queues behind a named or non-direct exchange (kombu delivers those through bindings it
reads from Redis).
"""
import base64
import json
import os
import re
import uuid

from celery import signals
from celery.app.routes import MapRoute
from celery.app.task import extract_exec_options
from celery.utils.saferepr import saferepr
from kombu.entity import maybe_delivery_mode
from kombu.serialization import dumps as kombu_dumps
from kombu.utils.json import dumps as kombu_json, loads as kombu_loads

# Stand-ins for what varies, replaced in the template's JSON text (never produced by JSON
# encoding of the other fields: they hold no "@@").
_MARKS = {"id": "@@task-id@@", "reply_to": "@@reply-to@@", "tag": "@@delivery-tag@@", "body": "@@body@@",
          "argsrepr": "@@argsrepr@@", "kwargsrepr": "@@kwargsrepr@@"}
_MARK_PATTERN = re.compile("(" + "|".join(re.escape(mark) for mark in _MARKS.values()) + ")")
_PLAIN_ARG = re.compile(r"[\w.:@-]*\Z", re.ASCII)  # repr() of such a str is what saferepr gives
# What routing may leave in send_task's options that the template honours.
_ROUTE_OPTIONS = {"queue", "exchange", "routing_key", "exchange_type", "serializer", "delivery_mode", "priority",
                  "compression", "immediate", "mandatory"}


class UnsupportedCelerySettings(RuntimeError):
    """A Celery setting the hand-built message cannot honour: the app refuses to start."""


def send_options(celery_app, task_name):
    """(options, ignore_result, time_limit, soft_time_limit, expires) as send_task works them
    out for `task_name` sent outside a task: the task's execution options, then the router."""
    task = celery_app.tasks.get(task_name)
    options = {}
    if task is not None:
        options = {name: value for name, value in extract_exec_options(task).items() if value is not None}
    ignore_result = options.pop("ignore_result", None)
    time_limit = options.pop("time_limit", None)
    soft_time_limit = options.pop("soft_time_limit", None)
    expires = options.pop("expires", None)
    options = celery_app.amqp.router.route(options, task_name, [], {}, task)
    return options, ignore_result, time_limit, soft_time_limit, expires


def settings_problems(celery_app, task_name):
    """Why a message for `task_name` built here would differ from send_task's, if it would."""
    conf = celery_app.conf
    problems = []
    if conf.task_protocol != 2:
        problems.append(f"task_protocol {conf.task_protocol} (only 2)")
    if conf.task_send_sent_event:
        problems.append("task_send_sent_event (send_task also publishes an event)")
    if conf.task_compression:
        problems.append(f"task_compression {conf.task_compression!r}")
    for signal in (signals.before_task_publish, signals.after_task_publish):
        if signal.receivers:
            problems.append(f"receivers of the {signal.name} signal (they would not run)")
    if any(not isinstance(route, MapRoute) for route in celery_app.amqp.router.routes):
        problems.append("a task_routes function (it may route on the arguments)")
    options, _, _, _, expires = send_options(celery_app, task_name)
    if expires is not None:
        problems.append(f"expires {expires!r} for {task_name} (an expiry is relative to the send)")
    unknown = sorted(set(options) - _ROUTE_OPTIONS)
    if unknown:
        problems.append(f"route options {unknown} for {task_name}")
    if options.get("priority"):
        problems.append(f"priority {options['priority']} for {task_name} (kombu queues it in another list)")
    if options.get("compression"):
        problems.append(f"compression {options['compression']!r} for {task_name}")
    queue = options["queue"]
    exchange_type = options.get("exchange_type") or queue.exchange.type
    if exchange_type != "direct" or (options.get("exchange") and options.get("routing_key")):
        problems.append(f"queue {queue.name!r} for {task_name} is behind a {exchange_type} exchange"
                        " (kombu delivers it through bindings stored in Redis)")
    return problems


def check_settings(celery_app, task_names):
    """Raise UnsupportedCelerySettings unless every task in `task_names` can be queued here."""
    problems = [problem for name in task_names for problem in settings_problems(celery_app, name)]
    if problems:
        raise UnsupportedCelerySettings(
            "the hooks queue their tasks with a message built like send_task's, which cannot honour: "
            + "; ".join(problems))


class MessageTemplate:
    """One task's message as send_task and kombu build it, with the varying parts left open.

    `key` is the Redis list kombu's Redis transport pushes it to (the routed queue's name,
    after the transport's `global_keyprefix`).
    """

    def __init__(self, celery_app, task_name):
        conf = celery_app.conf
        self.amqp = celery_app.amqp
        self.repr_maxlevels = conf.task_repr_maxlevels
        self.pid = os.getpid()
        options, ignore_result, time_limit, soft_time_limit, _ = send_options(celery_app, task_name)
        queue = options.pop("queue")
        self.serializer = options.pop("serializer", None) or conf.task_serializer
        delivery_mode = options.pop("delivery_mode", None) or queue.exchange.delivery_mode or conf.task_default_delivery_mode
        headers, properties, body, _ = self.amqp.create_task_message(
            _MARKS["id"], task_name, [], {}, reply_to=_MARKS["reply_to"], time_limit=time_limit,
            soft_time_limit=soft_time_limit, create_sent_event=conf.task_send_sent_event,
            ignore_result=ignore_result, argsrepr=_MARKS["argsrepr"], kwargsrepr=_MARKS["kwargsrepr"],
        )
        self.embed = body[2]  # callbacks, errbacks, chain, chord: fixed for a plain send
        self.key = conf.broker_transport_options.get("global_keyprefix", "") + queue.name
        properties = dict(properties, delivery_mode=maybe_delivery_mode(delivery_mode))
        properties.update(
            delivery_info={"exchange": "", "routing_key": queue.name},
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
                      for index, part in enumerate(_MARK_PATTERN.split(kombu_json(envelope)))]

    def render(self, task_id, reply_to, args, kwargs):
        """The JSON text kombu would LPUSH for this task id, reply_to (the sending thread's
        `celery_app.thread_oid`), args and kwargs."""
        _, _, payload = kombu_dumps((args, kwargs, self.embed), serializer=self.serializer)
        if isinstance(payload, str):
            payload = payload.encode(self.content_encoding)
        values = {
            "id": task_id,
            "reply_to": reply_to,
            "tag": str(uuid.uuid4()),
            "body": base64.b64encode(payload).decode("ascii"),
            "argsrepr": json.dumps(self._repr(args))[1:-1],  # a str: as kombu's encoder spells it
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


class TaskMessages:
    """The message templates of one Celery app, built once per task and process (a
    template names its process in `origin`: a forked worker builds its own)."""

    def __init__(self, celery_app):
        self.celery_app = celery_app
        self.templates = {}

    def template(self, task_name):
        template = self.templates.get(task_name)
        if template is None or template.pid != os.getpid():
            template = self.templates[task_name] = MessageTemplate(self.celery_app, task_name)
        return template

    def message(self, task_name, args=(), kwargs=None, task_id=None):
        """(list key, task id, JSON text) of one message for `task_name`."""
        template = self.template(task_name)
        task_id = task_id or str(uuid.uuid4())
        text = template.render(task_id, self.celery_app.thread_oid, list(args), dict(kwargs or {}))
        return template.key, task_id, text


def decode_task_message(text):
    """(task name, args, kwargs) of a stored message: for tests and diagnostics."""
    envelope = kombu_loads(text)
    body = kombu_loads(base64.b64decode(envelope["body"]))
    return envelope["headers"]["task"], body[0], body[1]

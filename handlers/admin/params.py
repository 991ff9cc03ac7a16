"""Marshmallow schemas for admin query parameters and bodies (validated at the edge).

Unknown parameters are refused, so a typo such as `?stauts=` is an error rather than a
silently unfiltered list; so is a parameter given twice (`?status=a&status=b`, or in the
query and the body at once), rather than one of its values silently used. Failures raise
InvalidQuery (422) naming the field; a bad cursor alone is InvalidCursor (422
`invalid_cursor`).
"""
import json

from werkzeug.datastructures import MultiDict
from marshmallow import Schema, ValidationError, fields, validate

from handlers.admin.cursor import BadCursor, decode_cursor
from handlers.admin.errors import InvalidCursor, InvalidQuery
from handlers.admin.ids import DELIVERY_ID, EVENT_ID
from handlers.admin.moment import Moment
from handlers.errors import InvalidJSON
from handlers.store.events import EVENT_STATUSES

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
GIVEN_TWICE = "given more than once"


class Cursor(fields.String):
    """An opaque page cursor over an index of `member_shape` ids, loaded as its
    (score, member) position."""

    def __init__(self, member_shape, **kwargs):
        super().__init__(**kwargs)
        self.member_shape = member_shape

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return decode_cursor(super()._deserialize(value, attr, data, **kwargs), self.member_shape)
        except BadCursor as exc:
            raise ValidationError(str(exc)) from exc


class PageSchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))


class EventListSchema(PageSchema):
    cursor = Cursor(EVENT_ID, load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(EVENT_STATUSES))
    source = fields.String(load_default=None)
    event = fields.String(load_default=None)
    entity = fields.String(load_default=None, validate=validate.Length(max=250))  # e.g. booking:933894
    since = Moment(load_default=None)
    until = Moment(load_default=None)


class DeadLetterFilterSchema(Schema):
    route = fields.String(load_default=None)
    vendor = fields.String(load_default=None)


class DeadLetterListSchema(PageSchema, DeadLetterFilterSchema):
    cursor = Cursor(DELIVERY_ID, load_default=None)


class ReplaySchema(Schema):
    delivery = fields.String(load_default=None, validate=validate.Length(min=1))


event_list_schema = EventListSchema()
dead_letter_list_schema = DeadLetterListSchema()
dead_letter_filter_schema = DeadLetterFilterSchema()
replay_schema = ReplaySchema()


def single_values(args, body=None):
    """A query's MultiDict (and an optional body's fields) as one dict; InvalidQuery (422)
    naming each name given more than once in the query, or in the query and the body."""
    body = body or {}
    if not isinstance(args, MultiDict):  # a plain mapping (built by our own code) has one value a name
        args = MultiDict(args)
    repeated = sorted(name for name, values in args.lists() if len(values) > 1 or name in body)
    if repeated:
        raise InvalidQuery("a parameter is given more than once",
                           fields={name: [GIVEN_TWICE] for name in repeated})
    return {**args.to_dict(), **body}


def load(schema, args, body=None):
    """Validated parameters from the query `args` (a MultiDict) and an optional JSON body
    object; InvalidQuery (422) with per-field messages otherwise."""
    data = {name: value for name, value in single_values(args, body).items() if value != ""}  # `?route=` = no filter
    try:
        return schema.load(data)
    except ValidationError as exc:
        if list(exc.messages) == ["cursor"]:
            raise InvalidCursor("the cursor is not one this API returned", fields=exc.messages) from exc
        raise InvalidQuery("invalid query parameters", fields=exc.messages) from exc


def json_object(raw_body):
    """An optional JSON object body: {} when empty, InvalidJSON (400) when not an object."""
    if not raw_body.strip():
        return {}
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise InvalidJSON("the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise InvalidJSON("the body must be a JSON object")
    return body

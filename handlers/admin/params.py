"""Marshmallow schemas for admin query parameters and bodies (validated at the edge).

Unknown parameters are refused, so a typo such as `?stauts=` is an error rather than a
silently unfiltered list. Failures raise InvalidQuery (422) naming the field.
"""
import json

from marshmallow import Schema, ValidationError, fields, validate

from handlers.admin.cursor import BadCursor, decode_cursor
from handlers.admin.errors import InvalidBody, InvalidQuery
from handlers.admin.moment import Moment
from handlers.store.events import EVENT_STATUSES

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Cursor(fields.String):
    """An opaque page cursor, loaded as its (score, member) position."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return decode_cursor(super()._deserialize(value, attr, data, **kwargs))
        except BadCursor as exc:
            raise ValidationError(str(exc)) from exc


class PageSchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = Cursor(load_default=None)


class EventListSchema(PageSchema):
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
    pass


class ReplaySchema(Schema):
    delivery = fields.String(load_default=None, validate=validate.Length(min=1))


event_list_schema = EventListSchema()
dead_letter_list_schema = DeadLetterListSchema()
dead_letter_filter_schema = DeadLetterFilterSchema()
replay_schema = ReplaySchema()


def load(schema, data):
    """Validated parameters; InvalidQuery (422) with per-field messages otherwise."""
    data = {name: value for name, value in data.items() if value != ""}  # `?route=` = no filter
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidQuery("invalid query parameters", fields=exc.messages) from exc


def json_object(raw_body):
    """An optional JSON object body: {} when empty, InvalidBody (400) when not an object."""
    if not raw_body.strip():
        return {}
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBody("the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise InvalidBody("the body must be a JSON object")
    return body

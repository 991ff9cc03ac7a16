"""An incoming hook's payload schema, built from its `fields:` contract in routes.yaml.

Types: string, integer, number, boolean, email, url, datetime, list (with `of`), object.
Options: required, min, max (a value range for numbers, a length for strings and
lists), choices, pattern. Fields not in the contract are kept. A lenient schema (form
bodies, `lenient_types: true`) takes "7", "1.5", "true" for integer, number and boolean
fields (and list elements) and loads them converted.
"""
from datetime import datetime

from marshmallow import INCLUDE, Schema, ValidationError, validate

from schemas.json_types import (
    Checked,
    LenientBoolean,
    LenientInteger,
    LenientNumber,
    StrictBoolean,
    StrictInteger,
    StrictList,
    StrictNumber,
    StrictObject,
    StrictString,
)

SIZED_TYPES = ("string", "email", "url", "datetime", "list")


class StrictEmail(StrictString):
    expected = "a valid email address"

    def accepts(self, value):
        return super().accepts(value) and _passes(validate.Email(), value)


class StrictUrl(StrictString):
    expected = "a valid URL"

    def accepts(self, value):
        return super().accepts(value) and _passes(validate.URL(require_tld=False), value)


class StrictDateTime(StrictString):
    expected = "an ISO 8601 date-time"

    def accepts(self, value):
        if not super().accepts(value):
            return False
        try:
            datetime.fromisoformat(value)
        except (ValueError, TypeError):
            return False
        return True


FIELD_CLASSES = {
    "string": StrictString,
    "integer": StrictInteger,
    "number": StrictNumber,
    "boolean": StrictBoolean,
    "email": StrictEmail,
    "url": StrictUrl,
    "datetime": StrictDateTime,
    "list": StrictList,
    "object": StrictObject,
}
LENIENT_FIELD_CLASSES = dict(FIELD_CLASSES, integer=LenientInteger, number=LenientNumber, boolean=LenientBoolean)


def _passes(validator, value):
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class ListOf(StrictList):
    """A list whose every element has the type `of`; errors are keyed by index.
    Loads the elements as their field converts them."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        errors = {}
        for index, item in enumerate(value):
            if not self.inner.accepts(item):
                errors[index] = [f"Not {self.inner.expected}."]
        if errors:
            raise ValidationError(errors)
        return [self.inner.convert(item) for item in value]


def _validators(spec):
    found = []
    low, high = spec.get("min"), spec.get("max")
    if low is not None or high is not None:
        if spec["type"] in SIZED_TYPES:
            found.append(validate.Length(min=_whole(low), max=_whole(high)))
        else:
            found.append(validate.Range(min=low, max=high))
    if "choices" in spec:
        found.append(validate.OneOf(spec["choices"]))
    if "pattern" in spec:
        found.append(validate.Regexp(spec["pattern"]))
    return found


def _whole(number):
    return None if number is None else int(number)


def build_field(spec, lenient=False):
    """One marshmallow field from one loaded FieldSpecSchema mapping."""
    classes = LENIENT_FIELD_CLASSES if lenient else FIELD_CLASSES
    required = spec.get("required", False)
    options = dict(required=required, allow_none=not required, validate=_validators(spec))
    if spec["type"] == "list" and spec.get("of"):
        return ListOf(classes[spec["of"]](), **options)
    return classes[spec["type"]](**options)


def build_schema(field_specs, name="IncomingPayload", lenient=False):
    """A schema instance for a `fields:` contract (None or {} -> any JSON object)."""
    attributes = {field: build_field(spec, lenient) for field, spec in (field_specs or {}).items()}
    return Schema.from_dict(attributes, name=name)(unknown=INCLUDE)


def list_fields(field_specs):
    """The names of the contract's `list` fields (a form key that is always a list)."""
    return frozenset(field for field, spec in (field_specs or {}).items() if spec["type"] == "list")


__all__ = ["build_schema", "build_field", "Checked"]

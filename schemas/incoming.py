"""An incoming hook's payload schema, built from its `fields:` contract in routes.yaml.

Types: string, integer, number, boolean, email, url, datetime, list (with `of`), object.
Options: required, min, max (a value range for numbers, a length for strings and
lists), choices, pattern. Fields not in the contract are kept.
"""
from datetime import datetime

from marshmallow import INCLUDE, Schema, ValidationError, validate

from schemas.json_types import (
    Checked,
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


def _passes(validator, value):
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class ListOf(StrictList):
    """A list whose every element has the type `of`; errors are keyed by index."""

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
        return value


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


def build_field(spec):
    """One marshmallow field from one loaded FieldSpecSchema mapping."""
    required = spec.get("required", False)
    options = dict(required=required, allow_none=not required, validate=_validators(spec))
    if spec["type"] == "list" and spec.get("of"):
        return ListOf(FIELD_CLASSES[spec["of"]](), **options)
    return FIELD_CLASSES[spec["type"]](**options)


def build_schema(field_specs, name="IncomingPayload"):
    """A schema instance for a `fields:` contract (None or {} -> any JSON object)."""
    attributes = {field: build_field(spec) for field, spec in (field_specs or {}).items()}
    return Schema.from_dict(attributes, name=name)(unknown=INCLUDE)


__all__ = ["build_schema", "build_field", "Checked"]

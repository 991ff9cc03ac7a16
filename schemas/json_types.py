"""Strict JSON-type fields for validating vendor and incoming payloads.

They check the JSON value as sent and return it unchanged: a validated payload is
stored exactly as it arrived. `true` is not an integer, `"5"` is not a number.
The Lenient ones (form bodies, `lenient_types: true`) also take the string forms of
integers, numbers and booleans, and return the converted value: `"7"` -> 7.
"""
import decimal
import math
import re

from marshmallow import fields


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checked(fields.Field):
    """A field whose `accepts(value)` decides; the value is returned unchanged."""

    expected = "a valid value"

    def accepts(self, value):
        raise NotImplementedError

    def convert(self, value):
        """The accepted value as it is stored (unchanged, but for the Lenient fields)."""
        return value

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.accepts(value):
            raise self.make_error("invalid")
        return self.convert(value)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["invalid"] = f"Not {self.expected}."


class StrictString(Checked):
    expected = "a string"

    def accepts(self, value):
        return isinstance(value, str)


class StrictInteger(Checked):
    expected = "an integer"

    def accepts(self, value):
        return _is_int(value) or (isinstance(value, float) and value.is_integer())


class StrictNumber(Checked):
    expected = "a number"

    def accepts(self, value):
        return _is_number(value)


class StrictBoolean(Checked):
    expected = "a boolean"

    def accepts(self, value):
        return isinstance(value, bool)


class StrictObject(Checked):
    expected = "an object"

    def accepts(self, value):
        return isinstance(value, dict)


class StrictList(Checked):
    expected = "a list"

    def accepts(self, value):
        return isinstance(value, list)


# String forms (surrounding whitespace ignored): at most 1000 characters, like the
# integers strict JSON takes; no "NaN", "Infinity", "1_000" or hex.
MAX_TEXT_NUMBER_LENGTH = 1000
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
BOOLEAN_TEXT = {"true": True, "false": False}


def integer_from_text(value):
    """The int a string spells ("7", "-3"), else None."""
    if isinstance(value, str) and len(value) <= MAX_TEXT_NUMBER_LENGTH:
        text = value.strip()
        if INTEGER_TEXT.fullmatch(text):
            return int(text)
    return None


def number_from_text(value):
    """The int or finite float a string spells ("7", "1.5", "2e3"), else None."""
    whole = integer_from_text(value)
    if whole is not None:
        return whole
    if isinstance(value, str) and len(value) <= MAX_TEXT_NUMBER_LENGTH and NUMBER_TEXT.fullmatch(value.strip()):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def boolean_from_text(value):
    """True or False for "true" / "false" (any case), else None."""
    return BOOLEAN_TEXT.get(value.strip().lower()) if isinstance(value, str) else None


class LenientInteger(StrictInteger):
    def accepts(self, value):
        return super().accepts(value) or integer_from_text(value) is not None

    def convert(self, value):
        return integer_from_text(value) if isinstance(value, str) else value


class LenientNumber(StrictNumber):
    def accepts(self, value):
        return super().accepts(value) or number_from_text(value) is not None

    def convert(self, value):
        return number_from_text(value) if isinstance(value, str) else value


class LenientBoolean(StrictBoolean):
    def accepts(self, value):
        return super().accepts(value) or boolean_from_text(value) is not None

    def convert(self, value):
        return boolean_from_text(value) if isinstance(value, str) else value


# FoxOMS's own loose spellings (docs/vendors.md "FoxOMS"): ids and ints are
# sometimes strings, booleans sometimes 0/1, decimals are strings such as "10.00".


class FoxId(Checked):
    expected = "an id (an integer or a string of digits)"

    def accepts(self, value):
        return _is_int(value) or (isinstance(value, str) and value.strip().isdigit())


class FoxInt(Checked):
    expected = "an integer"

    def accepts(self, value):
        if _is_int(value):
            return True
        return isinstance(value, str) and value.strip().lstrip("-").isdigit()


class FoxBool(Checked):
    expected = "a boolean"

    def accepts(self, value):
        return isinstance(value, bool) or value in (0, 1, "0", "1")


class FoxDecimal(Checked):
    expected = "a decimal (a number or a string such as \"10.00\")"

    def accepts(self, value):
        if _is_number(value):
            return True
        if not isinstance(value, str):
            return False
        try:
            decimal.Decimal(value)
        except decimal.InvalidOperation:
            return False
        return value.strip() != "" and decimal.Decimal(value).is_finite()


class FoxRecords(Checked):
    """`[1]` and `[]` in the docs: a list of objects (nested examples also show one
    bare object, e.g. a resource's `icon`, so that is accepted too)."""

    expected = "a list of objects"

    def accepts(self, value):
        if isinstance(value, dict):
            return True
        return isinstance(value, list) and all(isinstance(item, dict) for item in value)

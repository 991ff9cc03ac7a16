"""Strict JSON: what Python's json module would accept but a JSON store must not.

Refused (InvalidJSON, 400): NaN, Infinity, -Infinity; a number that overflows a float
(1e400); an integer of more than MAX_INTEGER_DIGITS digits; a lone UTF-16 surrogate
(`"\\ud800"`, which no UTF-8 text can hold); nesting deeper than MAX_DEPTH. Depth is
measured on the text before parsing, without recursion, so a body of 100,000 `[` is a
400 and never a RecursionError.
"""
import json
import re
from itertools import accumulate

from handlers.errors import InvalidJSON

MAX_DEPTH = 64
MAX_INTEGER_DIGITS = 1000
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_LONG_DIGITS = re.compile(rb"[0-9]{%d}" % (MAX_INTEGER_DIGITS + 1))


class _Refused(Exception):
    """Raised from inside json.loads by a parse hook; becomes InvalidJSON."""


def loads(raw_body):
    """The JSON value of raw UTF-8 bytes, or InvalidJSON saying why not."""
    check_depth(raw_body)
    # the int hook costs a Python call per integer: only when a long digit run is there
    decoder = _LONG_INT_DECODER if _LONG_DIGITS.search(raw_body) else _DECODER
    try:
        value = decoder.decode(raw_body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidJSON("body is not UTF-8") from None
    except _Refused as exc:
        raise InvalidJSON(f"body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    except (ValueError, RecursionError):  # not expected after the checks above; never a 500
        raise InvalidJSON("body is not valid JSON") from None
    if b"\\u" in raw_body:  # a surrogate can only arrive as an escape (UTF-8 cannot encode one)
        check_no_surrogates(value)
    return value


def check_depth(raw_body):
    """InvalidJSON when arrays and objects nest deeper than MAX_DEPTH (strings skipped)."""
    if raw_body.count(b"[") + raw_body.count(b"{") <= MAX_DEPTH:  # the common case, at C speed
        return
    brackets = _STRING.sub(b"", raw_body).translate(None, _NOT_BRACKETS)
    if max(accumulate(_STEP[b] for b in brackets)) > MAX_DEPTH:
        raise InvalidJSON(f"body is not valid JSON: nested deeper than {MAX_DEPTH} levels")


def check_no_surrogates(value):
    """InvalidJSON when a key or string holds a lone surrogate (iterative walk)."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidJSON("body is not valid JSON: a string holds a lone surrogate (\\ud800-\\udfff)") from None


def _refuse_constant(name):
    raise _Refused(f"{name} is not a JSON number")


def _finite_float(text):
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise _Refused(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is too large")
    return number


def _bounded_int(text):
    if len(text) > MAX_INTEGER_DIGITS and len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(f"an integer has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


# Built once: json.loads builds a new decoder on every call that passes a hook.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_LONG_INT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float,
                                     parse_int=_bounded_int)

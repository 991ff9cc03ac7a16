"""What one template render may build and do: its Budget, and the size of what an
operation would build, measured before it is built (handlers/routing/sandbox.py asks).

`limit` is the render's MAX_BODY_BYTES, counted in characters; `operations` is what the
render may still spend: each call, operator and loop iteration costs one, and measuring
a value one per item, so that an exponential macro or nested loops end quickly.
"""
import re
from contextvars import ContextVar
from dataclasses import dataclass

from jinja2.sandbox import SecurityError

from handlers.settings import DEFAULTS

MAX_OPERATIONS = 250_000  # calls, operators, loop iterations and measured items per render
DEFAULT_LIMIT = int(DEFAULTS["MAX_BODY_BYTES"])


@dataclass
class Budget:
    """What one render may still do: templates.render_args sets a new one (BUDGET)."""

    limit: int = DEFAULT_LIMIT         # longest value a template may build, in characters
    operations: int = MAX_OPERATIONS   # left to spend

    def spend(self, count=1):
        self.operations -= count
        if self.operations < 0:
            raise SecurityError(f"the template did more than {MAX_OPERATIONS} operations")


BUDGET = ContextVar("template_budget", default=None)


def budget():
    """The render's Budget; outside render_args (Jinja folding constants while it compiles
    a template) a fresh default one."""
    return BUDGET.get() or Budget()


# One printf conversion: %[(key)][flags][width][.precision][length]type
PERCENT_SPEC = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)", re.DOTALL)


def refuse_over(size, what):
    limit = budget().limit
    if size > limit:
        raise SecurityError(f"{what} would build {size} characters, over the limit of {limit}")


def weight(value):
    """About the length of `str(value)`, counted only up to just past the limit."""
    current = budget()
    total, stack = 0, [value]
    while stack and total <= current.limit:
        item = stack.pop()
        current.spend()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 8
    return total


def _int(value):
    return value if isinstance(value, int) else 0


def _len(value):
    return len(value) if isinstance(value, str) else 0


def percent_size(template, values):
    """An upper bound of the length of `template % values`."""
    template = str(template)
    mapping = values if isinstance(values, dict) else None
    queue = list(values) if isinstance(values, tuple) else [values]
    size = len(template)
    for match in PERCENT_SPEC.finditer(template):
        key, width, precision, kind = match.groups()
        for number in (width, precision):
            if number == "*":
                size += _int(queue.pop(0)) if queue else 0
            elif number:
                size += int(number)
        if kind == "%":
            continue
        if mapping is not None and key is not None:
            size += weight(mapping.get(key))
        elif queue:
            size += weight(queue.pop(0))
    return size


def spec_size(spec):
    """The largest width or precision in a format spec ('>999', '.5f', '0=12,')."""
    return max((int(n) for n in re.findall(r"\d+", spec)), default=0)


def pad_size(s, width=0, *args, **kwargs):
    return max(len(s), _int(width))


def replace_size(s, old="", new="", count=-1, *args, **kwargs):
    if not isinstance(old, str) or not isinstance(new, str):
        return len(s)
    found = len(s) + 1 if old == "" else s.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(s) + found * max(len(new) - len(old), 0)


def translate_size(s, table=None, *args, **kwargs):
    values = table.values() if isinstance(table, dict) else ()
    return len(s) * max([1] + [len(v) for v in values if isinstance(v, str)])


def join_size(separator, items):
    return sum(_len(item) for item in items) + len(str(separator)) * max(len(items) - 1, 0)


def indent_size(s, width=4, *args, **kwargs):
    s = str(s)
    step = len(width) if isinstance(width, str) else _int(width)
    return len(s) + step * (s.count("\n") + 1)


# What a str method builds, from the string and the call's arguments (join: see call()).
STRING_METHOD_SIZES = {
    "center": pad_size, "ljust": pad_size, "rjust": pad_size, "zfill": pad_size,
    "expandtabs": lambda s, tabsize=8, *a, **k: len(s) + s.count("\t") * _int(tabsize),
    "replace": replace_size,
    "translate": translate_size,
}
# What a filter builds, from its arguments (after the context Jinja passes some filters).
FILTER_SIZES = {
    "center": lambda value, width=80, *a, **k: pad_size(str(value), width),
    "indent": indent_size,
    "format": lambda value, *args, **kwargs: percent_size(value, kwargs or args),
    "replace": lambda s, old="", new="", count=None, *a, **k: replace_size(
        str(s), old, new, -1 if count is None else count),
    "batch": lambda value, linecount=0, fill_with=None, *a, **k: _int(linecount) if fill_with is not None else 0,
    "slice": lambda value, slices=0, *a, **k: _int(slices),
}

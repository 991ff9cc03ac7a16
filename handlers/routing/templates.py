"""Action args as sandboxed Jinja2 templates over `payload` and `event` only.

- handlers.routing.sandbox: no access to private or dunder attributes, no mutation of
  payload lists and dicts, no globals at all (no range, lipsum, cycler...), nothing built
  past the render's size limit; no loader (include/import/extends are refused when the
  file is loaded).
- StrictUndefined: a missing field is a render error, unless the template says what to
  do (`{{ payload.notes | default('') }}`, `{% if payload.notes is defined %}`).
- autoescape off: the output is JSON, not HTML.
- An arg that is exactly one `{{ expr }}` (surrounding blanks allowed) keeps the value's
  type: `{{ payload.id }}` gives 6, not "6"; any other string renders to a string.
- Any failure while rendering (a Jinja error, a sandbox refusal, RecursionError on a deep
  payload, KeyError from `'%(x)s' % payload`, MemoryError...) is a TemplateRenderError
  naming the arg, and so is a top-level arg whose JSON is over `max_bytes` (MAX_BODY_BYTES).
"""
import json
import math
from functools import lru_cache

from jinja2 import TemplateError, TemplateSyntaxError, Undefined, meta, nodes

from handlers.routing.sandbox import make_environment
from handlers.routing.template_budget import BUDGET, Budget, refuse_over

CONTEXT_NAMES = ("payload", "event")  # what route templates see
MAX_MESSAGE_CHARS = 500  # an error message quoting a huge value is cut
FORBIDDEN_TAGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class TemplateRenderError(Exception):
    """An arg could not be rendered for this event; the message names the arg."""


ENVIRONMENT = make_environment()


def template_problem(source, names=CONTEXT_NAMES):
    """Why a template cannot be used (syntax, forbidden tags, unknown names), or None.

    `names`: what the template may see (alerts' templates see only `alert`)."""
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        return f"template syntax error: {exc.message} (line {exc.lineno})"
    if any(True for _ in tree.find_all(FORBIDDEN_TAGS)):
        return "templates may not include, import or extend other templates"
    unknown = set(meta.find_undeclared_variables(tree)) - set(names)
    unknown |= {n.name for n in tree.find_all(nodes.Name) if n.name == "self"}  # Jinja's block reference
    unknown = sorted(unknown)
    if unknown:
        return f"unknown name {unknown[0]!r} (templates see only {' and '.join(names)})"
    try:
        _compiled(source)
    except TemplateError as exc:
        return f"template syntax error: {exc}"
    return None


@lru_cache(maxsize=1024)
def _compiled(source):
    """(kind, compiled): ("expression", callable) keeps the type; ("template", Template)."""
    body = ENVIRONMENT.parse(source.strip()).body
    if len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1:
        if not isinstance(body[0].nodes[0], nodes.TemplateData):
            return "expression", ENVIRONMENT.compile_expression(_inner(source), undefined_to_none=False)
    return "template", ENVIRONMENT.from_string(source)


def _inner(source):
    """The expression inside `{{ ... }}`, without whitespace-control signs."""
    inner = source.strip()[2:-2]
    if inner[:1] in "-+":
        inner = inner[1:]
    if inner[-1:] in "-+":
        inner = inner[:-1]
    return inner


def render_value(source, context):
    kind, compiled = _compiled(source)
    if kind == "template":
        return _joined(compiled.generate(context))
    value = compiled(**context)
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises its own error here
    return value


def _joined(chunks):
    """The template's output, refused as soon as it is longer than the limit."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        refuse_over(size, "the template's output")
        parts.append(chunk)
    return "".join(parts)


def render_args(args, context, max_bytes=None):
    """A deep copy of args with every string rendered; raises TemplateRenderError.

    Nothing longer than `max_bytes` (default: the MAX_BODY_BYTES default) is built, and
    each top-level arg's JSON is at most `max_bytes` of UTF-8.
    """
    budget = Budget(max_bytes) if max_bytes is not None else Budget()
    token = BUDGET.set(budget)
    try:
        rendered = _render(args, context, "args")
        for where, value in _top_level(rendered):
            size = _json_bytes(value, where)
            if size > budget.limit:
                raise TemplateRenderError(f"{where}: renders to {size} bytes, over MAX_BODY_BYTES ({budget.limit})")
        return rendered
    finally:
        BUDGET.reset(token)


def _json_bytes(value, where):
    try:
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    except Exception as exc:  # RecursionError on a value nested too deep to send
        raise TemplateRenderError(f"{where}: {type(exc).__name__}: {_message(exc)}") from None


def _top_level(rendered):
    if isinstance(rendered, dict):
        return ((f"args.{key}", value) for key, value in rendered.items())
    return (("args", rendered),)


def _render(args, context, where):
    if isinstance(args, dict):
        return {key: _render(value, context, f"{where}.{key}") for key, value in args.items()}
    if isinstance(args, list):
        return [_render(value, context, f"{where}[{i}]") for i, value in enumerate(args)]
    if not isinstance(args, str):
        return args
    try:
        return _json_ready(render_value(args, context), where)
    except TemplateRenderError:
        raise
    except Exception as exc:  # any failure of one arg is that delivery's error, never the event's
        raise TemplateRenderError(f"{where}: {type(exc).__name__}: {_message(exc)}") from None


def _message(exc):
    text = str(exc)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."


def _json_ready(value, where):
    if isinstance(value, str):
        return str(value)  # Markup and other str subclasses become plain text
    if isinstance(value, float) and not math.isfinite(value):
        raise TemplateRenderError(f"{where}: renders to {value}, which is not JSON")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_ready(item, where) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _json_ready(item, where) for key, item in value.items()}
    raise TemplateRenderError(f"{where}: renders to a {type(value).__name__}, which is not JSON")


def template_strings(args, where="args"):
    """(place, source) of every string in args: what the load-time check compiles."""
    if isinstance(args, dict):
        for key, value in args.items():
            yield from template_strings(value, f"{where}.{key}")
    elif isinstance(args, list):
        for i, value in enumerate(args):
            yield from template_strings(value, f"{where}[{i}]")
    elif isinstance(args, str):
        yield where, args

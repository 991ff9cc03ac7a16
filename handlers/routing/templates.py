"""Action args as sandboxed Jinja2 templates over `payload` and `event` only.

- ImmutableSandboxedEnvironment: no access to private or dunder attributes, no
  mutation of payload lists and dicts; no globals at all (no range, lipsum, cycler...),
  no loader (include/import/extends are refused when the file is loaded).
- StrictUndefined: a missing field is a render error, unless the template says what to
  do (`{{ payload.notes | default('') }}`, `{% if payload.notes is defined %}`).
- autoescape off: the output is JSON, not HTML.
- An arg that is exactly one `{{ expr }}` (surrounding blanks allowed) keeps the value's
  type: `{{ payload.id }}` gives 6, not "6"; any other string renders to a string.
"""
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

CONTEXT_NAMES = frozenset({"payload", "event"})
MAX_REPEAT = 100_000   # longest string or list that `*` may build
MAX_EXPONENT = 1_000   # largest `**` exponent
FORBIDDEN_TAGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


class TemplateRenderError(Exception):
    """An arg could not be rendered for this event; the message names the arg."""


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is over the limit of {MAX_EXPONENT}")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_REPEAT:
                    raise SecurityError(f"a repeated value longer than {MAX_REPEAT} is over the limit")
        return super().call_binop(context, operator, left, right)


ENVIRONMENT = _Environment(undefined=StrictUndefined, autoescape=False)
ENVIRONMENT.globals.clear()


def template_problem(source):
    """Why a template cannot be used (syntax, forbidden tags, unknown names), or None."""
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        return f"template syntax error: {exc.message} (line {exc.lineno})"
    if any(True for _ in tree.find_all(FORBIDDEN_TAGS)):
        return "templates may not include, import or extend other templates"
    unknown = set(meta.find_undeclared_variables(tree)) - CONTEXT_NAMES
    unknown |= {n.name for n in tree.find_all(nodes.Name) if n.name == "self"}  # Jinja's block reference
    unknown = sorted(unknown)
    if unknown:
        return f"unknown name {unknown[0]!r} (templates see only payload and event)"
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
        return compiled.render(context)
    value = compiled(**context)
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises its own error here
    return value


def render_args(args, context, where="args"):
    """A deep copy of args with every string rendered; raises TemplateRenderError."""
    if isinstance(args, dict):
        return {key: render_args(value, context, f"{where}.{key}") for key, value in args.items()}
    if isinstance(args, list):
        return [render_args(value, context, f"{where}[{i}]") for i, value in enumerate(args)]
    if not isinstance(args, str):
        return args
    try:
        return _json_ready(render_value(args, context), where)
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise TemplateRenderError(f"{where}: {type(exc).__name__}: {exc}") from None


def _json_ready(value, where):
    if isinstance(value, str):
        return str(value)  # Markup and other str subclasses become plain text
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

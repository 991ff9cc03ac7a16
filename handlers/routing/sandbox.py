"""The Jinja2 sandbox that action templates run in, with a cap on what they may build.

Jinja's ImmutableSandboxedEnvironment refuses private and dunder attributes and mutation
of payload lists and dicts; it does not stop a template from building a huge value or
working for hours. Here each way a template can build a long string or list from a short
one is checked *before* it is built, against the render's Budget
(handlers/routing/template_budget.py: its MAX_BODY_BYTES, and operations left):
- `*`, `+` and `~` on strings and lists; `**` by the size of its result;
- `%` formatting and `str.format`/`format_map`: widths, precisions, the running total;
- the str methods that pad or multiply (center, ljust, rjust, zfill, expandtabs, replace,
  translate, join);
- the filters that pad, join or fill (center, indent, format, replace, join, batch, slice);
- every call's arguments and result (macros, `loop()`, methods), so recursion cannot
  double a value past the limit;
- time: each call, operator and loop iteration spends one operation, and each value
  measured one per item, so neither an exponential macro nor nested loops over a large
  payload run for long.
Refusals are SecurityError, which templates.render_args reports as TemplateRenderError.
"""
from functools import update_wrapper

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, SecurityError
from markupsafe import EscapeFormatter, Markup

from handlers.routing.template_budget import (
    FILTER_SIZES, STRING_METHOD_SIZES, budget, join_size, percent_size, refuse_over, spec_size, weight,
)

MAX_EXPONENT = 1_000       # largest `**` exponent
MAX_POWER_BITS = 100_000   # largest integer `**` may make (about 30,000 digits)


def _guarded_filter(name, original):
    size = FILTER_SIZES[name]
    skip = 1 if getattr(original, "jinja_pass_arg", None) is not None else 0  # pass_eval_context & co

    def guarded(*args, **kwargs):
        refuse_over(size(*args[skip:], **kwargs), f"the {name} filter")
        return original(*args, **kwargs)

    return update_wrapper(guarded, original)  # keeps Jinja's pass_eval_context mark


def _guarded_join(original):
    def join(eval_ctx, value, d="", attribute=None):
        items = value if isinstance(value, (str, list, tuple)) else list(value)
        refuse_over(join_size(d, items), "the join filter")
        return original(eval_ctx, items, d, attribute)

    return update_wrapper(join, original)


class CappedFormatter(SandboxedFormatter):
    """str.format and format_map: widths, precisions and the whole result are capped."""

    def vformat(self, format_string, args, kwargs):
        self.built = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value, format_spec):
        refuse_over(spec_size(format_spec), "a format width or precision")
        refuse_over(self.built + weight(value), "str.format()")
        text = super().format_field(value, format_spec)
        self.built += len(text)
        refuse_over(self.built, "str.format()")
        return text


class CappedEscapeFormatter(CappedFormatter, EscapeFormatter):
    """The same for a Markup string (Jinja's SandboxedEscapeFormatter, capped)."""


class CappedCodeGenerator(CodeGenerator):
    """`a ~ b` calls environment.capped_concat, which measures before it joins."""

    @optimizeconst
    def visit_Concat(self, node, frame):
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"environment.capped_concat({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def counted(items):
    """Every `{% for %}` iterates through this: one operation per item."""
    current = budget()
    for item in items:
        current.spend()
        yield item


class CappedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = CappedCodeGenerator
    COUNTED = "counted_loop"  # the filter every loop's iterable is passed through

    def __init__(self, **options):
        super().__init__(**options)
        self.filters[self.COUNTED] = counted
        self.globals.clear()  # no range, lipsum, cycler, dict, namespace, joiner
        for name in FILTER_SIZES:
            self.filters[name] = _guarded_filter(name, self.filters[name])
        self.filters["join"] = _guarded_join(self.filters["join"])

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, self.COUNTED, [], [], None, None, lineno=loop.lineno)
        return tree

    def capped_concat(self, join, parts):
        budget().spend()
        refuse_over(sum(weight(part) for part in parts), "`~`")
        return join(parts)

    def call_binop(self, context, operator, left, right):
        budget().spend()
        if operator == "**" and isinstance(right, (int, float)):
            if abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is over the limit of {MAX_EXPONENT}")
            if isinstance(left, int) and isinstance(right, int) and abs(left).bit_length() * right > MAX_POWER_BITS:
                raise SecurityError(f"`**` would make an integer over the limit of {MAX_POWER_BITS} bits")
        elif operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and count > 0:
                    refuse_over(weight(seq) * count, "`*`")
        elif operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            refuse_over(weight(left) + weight(right), "`+`")
        elif operator == "%" and isinstance(left, str):
            refuse_over(percent_size(left, right), "`%` formatting")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        budget().spend()
        for value in (*args, *kwargs.values()):
            refuse_over(weight(value), "a call argument")
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name == "join" and args:
            items = args[0] if isinstance(args[0], (str, list, tuple)) else list(args[0])
            refuse_over(join_size(owner, items), "str.join()")
            args = (items, *args[1:])
        elif isinstance(owner, str) and name in STRING_METHOD_SIZES:
            refuse_over(STRING_METHOD_SIZES[name](owner, *args, **kwargs), f"str.{name}()")
        result = super().call(__context, __obj, *args, **kwargs)
        refuse_over(weight(result), "a call's result")
        return result

    def wrap_str_format(self, value):
        """Jinja's own str.format sandboxing (attribute access checked), with the caps."""
        if super().wrap_str_format(value) is None:
            return None
        f_self, is_format_map = value.__self__, value.__name__ == "format_map"
        if isinstance(f_self, Markup):
            formatter = CappedEscapeFormatter(self, escape=f_self.escape)
        else:
            formatter = CappedFormatter(self)

        def capped(*args, **kwargs):
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(f_self)(formatter.vformat(f_self, args, kwargs))

        return update_wrapper(capped, value)


def make_environment():
    return CappedEnvironment(undefined=StrictUndefined, autoescape=False)

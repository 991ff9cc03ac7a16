"""One filter condition, applied to the values a path reached (docs/routes.md "Filters").

A condition is a scalar (equality) or a dict of operators, all of which must hold.
`values` is what handlers.routing.paths.resolve found: [] means the field is missing,
and a missing field matches only `exists: false` and `not`.

Semantics (written down in README.md, "Writing routes"):
- equality is type-strict: 1 matches 1 and 1.0, never "1" or true;
- a list value matches when any element does (equality, in, prefix, suffix, regex,
  gt/gte/lt/lte); `not_in` holds when no element is in the list;
- `contains`: a substring of a string value, or an element of a list value;
- `regex` uses re.search (anchor with ^ and $ yourself); strings only;
- gt/gte/lt/lte compare numbers only: "5" and true are not numbers and never match.
"""
import operator
import re

from handlers.routing.paths import leaves

SCALARS = (str, int, float, bool, type(None))
COMPARISONS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
STRING_TESTS = {
    "prefix": lambda value, operand: value.startswith(operand),
    "suffix": lambda value, operand: value.endswith(operand),
    "regex": lambda value, operand: re.search(operand, value) is not None,
}
OPERATORS = ("in", "not_in", "contains", "exists", "any", "not", *STRING_TESTS, *COMPARISONS)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(a, b):
    """Type-strict equality: numbers compare as numbers, everything else by type and value."""
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def condition_matches(condition, values):
    if not isinstance(condition, dict):
        return any(equal(leaf, condition) for leaf in leaves(values))
    return all(_operator_holds(name, operand, values) for name, operand in condition.items())


def _operator_holds(name, operand, values):
    if name == "exists":
        return bool(values) == operand
    if name == "not":
        return not condition_matches(operand, values)
    if name == "any":
        return any(condition_matches(sub, values) for sub in operand)
    if not values:
        return False
    if name == "in":
        return any(equal(leaf, item) for leaf in leaves(values) for item in operand)
    if name == "not_in":
        return not any(equal(leaf, item) for leaf in leaves(values) for item in operand)
    if name == "contains":
        return any(_contains(value, operand) for value in values)
    if name in STRING_TESTS:
        test = STRING_TESTS[name]
        return any(isinstance(leaf, str) and test(leaf, operand) for leaf in leaves(values))
    compare = COMPARISONS[name]
    return any(is_number(leaf) and compare(leaf, operand) for leaf in leaves(values))


def _contains(value, operand):
    if isinstance(value, str):
        return isinstance(operand, str) and operand in value
    if isinstance(value, list):
        return any(equal(element, operand) for element in leaves(value))
    return False


def condition_problems(condition, where):
    """Syntax problems of one condition: unknown operators and wrong operand types."""
    if isinstance(condition, list):
        return [f"{where}: a list is not a condition; write {{in: [...]}} to match one of several values"]
    if not isinstance(condition, dict):
        return []
    if not condition:
        return [f"{where}: an empty condition; write a value or operators such as {{exists: true}}"]
    problems = []
    for name, operand in condition.items():
        if name not in OPERATORS:
            problems.append(f"{where}: unknown operator {name!r} (known: {', '.join(OPERATORS)})")
        else:
            problems.extend(_operand_problems(name, operand, where))
    return problems


def _operand_problems(name, operand, where):
    if name == "not":
        return condition_problems(operand, f"{where}.not")
    if name == "any":
        if not isinstance(operand, list) or not operand:
            return [f"{where}: any: needs a non-empty list of conditions"]
        return [p for i, sub in enumerate(operand) for p in condition_problems(sub, f"{where}.any[{i}]")]
    if name == "exists" and not isinstance(operand, bool):
        return [f"{where}: exists: needs true or false"]
    if name in ("in", "not_in"):
        if not isinstance(operand, list) or not all(isinstance(item, SCALARS) for item in operand):
            return [f"{where}: {name}: needs a list of values"]
    if name == "contains" and not isinstance(operand, SCALARS):
        return [f"{where}: contains: needs a single value"]
    if name in STRING_TESTS and not isinstance(operand, str):
        return [f"{where}: {name}: needs a string"]
    if name == "regex" and isinstance(operand, str):
        try:
            re.compile(operand)
        except re.error as exc:
            return [f"{where}: regex: not a regular expression: {exc}"]
    if name in COMPARISONS and not is_number(operand):
        return [f"{where}: {name}: needs a number"]
    return []

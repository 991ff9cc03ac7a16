"""handlers/vendors/ is the bottom layer: pure vendor clients that know nothing of routes,
actions or deliveries. Each module may import only other vendor modules, the leaf modules
below (which import nothing from handlers themselves), the standard library and third-party
packages; a lazy import inside a function counts like any other."""
import ast
from pathlib import Path

import pytest

import handlers

HANDLERS = Path(handlers.__file__).parent
VENDORS = HANDLERS / "vendors"
LEAF_MODULES = {"handlers.errors", "handlers.redact", "handlers.signing"}


def imported_modules(path, package):
    """Every module name an `import` or `from ... import` in the file names (relative ones resolved)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names if module == "handlers"]
    return names


def ours(name):
    return name == "handlers" or name.startswith("handlers.")


@pytest.mark.parametrize("path", sorted(VENDORS.glob("*.py")), ids=lambda p: p.name)
def test_a_vendor_module_imports_nothing_from_the_layers_above(path):
    upward = [
        name for name in imported_modules(path, "handlers.vendors")
        if ours(name) and name != "handlers" and not name.startswith("handlers.vendors") and name not in LEAF_MODULES
    ]
    assert upward == [], f"{path.name} imports from above handlers/vendors/: {upward}"


@pytest.mark.parametrize("name", sorted(LEAF_MODULES))
def test_the_leaf_modules_import_nothing_from_handlers(name):
    path = HANDLERS / (name.split(".", 1)[1] + ".py")
    assert [n for n in imported_modules(path, "handlers") if ours(n)] == []


def test_the_walk_sees_lazy_and_relative_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from handlers.actions import ACTIONS\nfrom .. import rules\nfrom . import base\n")
    assert set(imported_modules(sample, "handlers.vendors")) == {
        "handlers.actions", "handlers", "handlers.rules", "handlers.vendors",
    }

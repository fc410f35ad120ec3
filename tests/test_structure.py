"""The package's structure: imports point one way, modules stay small, each
module's ``__all__`` lists what it defines, and only the seam touches aiohttp's
insides.  Subpackages (``aiohttpretty.aioresponses``) are checked module by
module like the package itself."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pathlib
import unittest

from aiohttpretty import _seam

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "aiohttpretty"


def _module_name(path: pathlib.Path) -> str:
    """``aiohttpretty.aioresponses._mocker`` for its file; a package's
    ``__init__.py`` is named as the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, pathlib.Path]:
    """Every module of the package, subpackages included, by its dotted name."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(
    name: str, source: str, known: set[str], package: bool = False, type_checking: bool = True
) -> set[str]:
    """The modules the module ``name`` (a package's ``__init__`` if
    ``package``) imports, those under ``TYPE_CHECKING`` too unless
    ``type_checking`` is false, relative imports resolved; ``from . import x``
    names the module ``x`` when ``known`` has it, else the package."""
    base = name.split(".") if package else name.split(".")[:-1]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if not type_checking and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom):
                parent = base[: len(base) - node.level + 1] if node.level else []
                target = ".".join([*parent, *([node.module] if node.module else [])])
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    found.add(submodule if submodule in known else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])

    visit(ast.parse(source).body)
    return found


def _import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the package modules it imports (also for
    type checking only: a circle there is a circle of concerns all the same)."""
    modules = _modules()
    known = set(modules)
    return {
        name: _imports(name, path.read_text(), known, path.name == "__init__.py") & known
        for name, path in modules.items()
    }


class StructureTest(unittest.TestCase):
    def test_the_subpackages_are_seen(self):
        # What the tests below walk: a module of a subpackage is among them.
        self.assertIn("aiohttpretty.aioresponses._mocker", _modules())
        self.assertIn("aiohttpretty.aioresponses", _modules())

    def test_no_import_circles(self):
        graph = _import_graph()

        def cycle_from(start: str) -> list[str] | None:
            todo = [(start, [start])]
            while todo:
                node, trail = todo.pop()
                for nxt in graph[node]:
                    if nxt == start:
                        return [*trail, nxt]
                    if nxt not in trail:
                        todo.append((nxt, [*trail, nxt]))
            return None

        for name in graph:
            with self.subTest(name):
                self.assertIsNone(cycle_from(name))

    def test_imports_are_resolved(self):
        # What the test above relies on: relative imports of every level,
        # "from . import x" naming the module x, TYPE_CHECKING imports included
        # (or left out on request).
        known = {"aiohttpretty", "aiohttpretty.mock", "aiohttpretty.sub", "aiohttpretty.sub._a"}
        source = (
            "import yarl\nfrom .. import mock, current\nfrom . import _a\nfrom ._a import x\n"
            "from aiohttpretty.sub import _a as again\nif TYPE_CHECKING:\n    from .._seam import y\n"
        )
        self.assertEqual(
            _imports("aiohttpretty.sub._b", source, known, type_checking=False),
            {"yarl", "aiohttpretty", "aiohttpretty.mock", "aiohttpretty.sub._a"},
        )
        self.assertEqual(
            _imports("aiohttpretty.sub._b", source, known),
            {"yarl", "aiohttpretty", "aiohttpretty.mock", "aiohttpretty.sub._a", "aiohttpretty._seam"},
        )
        self.assertEqual(
            _imports("aiohttpretty.sub", "from . import _a\nfrom .. import mock", known, True),
            {"aiohttpretty.sub._a", "aiohttpretty.mock"},
        )
        self.assertIn("aiohttpretty.aioresponses._matching", _import_graph()["aiohttpretty.aioresponses"])

    def test_modules_stay_small(self):
        for name, path in _modules().items():
            with self.subTest(name):
                self.assertLessEqual(len(path.read_text().splitlines()), 420)

    def test_each_all_lists_what_the_module_defines(self):
        for name in _modules():
            if name == "aiohttpretty.pytest_plugin" and importlib.util.find_spec("pytest") is None:
                continue  # the suite runs without pytest too; under pytest it is checked
            module = importlib.import_module(name)
            with self.subTest(name):
                exported = getattr(module, "__all__", None)
                self.assertIsNotNone(exported, f"{name} has no __all__")
                missing = [
                    item
                    for item in exported
                    if not hasattr(module, item) and item not in ("calls", "registry")
                ]
                self.assertEqual(missing, [])

    def test_only_the_seam_imports_aiohttp_internals(self):
        for name, path in _modules().items():
            text = path.read_text()
            with self.subTest(name):
                if name != "aiohttpretty._seam":
                    self.assertNotIn("aiohttp.client_proto", text)
                    self.assertNotIn("aiohttp.client_reqrep", text)
                    self.assertNotIn("aiohttp.__version__", text)

    def test_only_the_seam_uses_aiohttps_private_names(self):
        # The underscored names of _seam.PRIVATE_NAMES as attributes of other
        # objects than self (a class's own attribute may share a name) or as
        # strings (getattr), and an object's class changed in place.
        private = {name for _, name, _ in _seam.PRIVATE_NAMES if name.startswith("_")}
        for name, path in _modules().items():
            if name == "aiohttpretty._seam":
                continue
            tree = ast.parse(path.read_text())
            used = sorted(
                {
                    node.attr
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and ast.unparse(node.value) != "self"
                }
                & private
                | {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)} & private
                | {
                    "__class__ ="
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Attribute) and t.attr == "__class__" for t in node.targets)
                }
            )
            with self.subTest(name):
                self.assertEqual(used, [], f"{name} uses aiohttp's insides: move that into _seam")

    def test_the_wire_knows_no_aiohttp(self):
        imported = _imports("aiohttpretty._wire", (PACKAGE / "_wire.py").read_text(), set(_modules()))
        self.assertEqual([name for name in imported if name.split(".")[0] == "aiohttp"], [])
        self.assertNotIn("import aiohttp", (PACKAGE / "_wire.py").read_text())

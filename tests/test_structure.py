"""The package's structure: imports point one way, modules stay small, and
each module's ``__all__`` lists what it defines."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pathlib
import unittest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "aiohttpretty"


def _runtime_imports(path: pathlib.Path) -> set[str]:
    """The package modules ``path`` imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])

    visit(tree.body)
    return found


class StructureTest(unittest.TestCase):
    def modules(self) -> dict[str, pathlib.Path]:
        return {path.stem: path for path in PACKAGE.glob("*.py")}

    def test_no_import_circles(self):
        graph = {name: _runtime_imports(path) & set(self.modules()) for name, path in self.modules().items()}

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

    def test_modules_stay_small(self):
        for name, path in self.modules().items():
            with self.subTest(name):
                self.assertLessEqual(len(path.read_text().splitlines()), 420)

    def test_each_all_lists_what_the_module_defines(self):
        for name in self.modules():
            if name == "pytest_plugin" and importlib.util.find_spec("pytest") is None:
                continue  # the suite runs without pytest too; under pytest it is checked
            module = importlib.import_module(f"aiohttpretty.{name}" if name != "__init__" else "aiohttpretty")
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
        for name, path in self.modules().items():
            text = path.read_text()
            with self.subTest(name):
                if name != "_seam":
                    self.assertNotIn("aiohttp.client_proto", text)
                    self.assertNotIn("aiohttp.client_reqrep", text)
                    self.assertNotIn("aiohttp.__version__", text)

    def test_the_wire_knows_no_aiohttp(self):
        self.assertNotIn("aiohttp", _runtime_imports(PACKAGE / "_wire.py"))
        self.assertNotIn("import aiohttp", (PACKAGE / "_wire.py").read_text())

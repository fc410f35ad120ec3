"""Every private name of aiohttp that aiohttpretty relies on exists in the
installed aiohttp, with the parameters it is called with: an aiohttp release
that moves one fails here, naming it (run on each aiohttp of the matrix)."""

from __future__ import annotations

import importlib
import inspect
import unittest
from typing import Any

from aiohttpretty import _seam


def owner_of(path: str) -> Any:
    """The module or class ``path`` names (``aiohttp.http.WebSocketWriter``)."""
    module_path, _, rest = path, "", ""
    while True:
        try:
            owner: Any = importlib.import_module(module_path)
            break
        except ImportError:
            module_path, _, last = module_path.rpartition(".")
            rest = f"{last}.{rest}" if rest else last
    for part in filter(None, rest.split(".")):
        owner = getattr(owner, part)
    return owner


def has_attribute(owner: Any, name: str) -> bool:
    """Whether ``owner`` has ``name``, or (a class) sets it on its instances."""
    if hasattr(owner, name):
        return True
    if not inspect.isclass(owner):
        return False
    for cls in owner.__mro__:
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        if f"self.{name} " in source or f"self.{name}:" in source or f"self.{name}=" in source:
            return True
    return False


class PrivateNamesTest(unittest.TestCase):
    def test_every_private_name_exists_with_its_parameters(self):
        for owner_path, name, parameters in _seam.PRIVATE_NAMES:
            with self.subTest(f"{owner_path}.{name}"):
                owner = owner_of(owner_path)
                self.assertTrue(has_attribute(owner, name), f"{owner_path} has no {name}")
                if parameters is None:
                    continue
                function = getattr(owner, name)
                names = list(inspect.signature(function).parameters)
                if inspect.isclass(owner) and names[:1] != ["self"]:
                    names.insert(0, "self")
                self.assertEqual(names[: len(parameters)], list(parameters), f"{owner_path}.{name}")

    def test_the_list_names_the_websocket_machinery(self):
        names = {name for _, name, _ in _seam.PRIVATE_NAMES}
        for name in ("WebSocketReader", "WebSocketWriter", "ws_ext_parse", "WS_KEY", "_buffer"):
            self.assertIn(name, names)


if __name__ == "__main__":
    unittest.main()

"""The seam with aiohttp: every private name the library relies on exists in
the installed aiohttp with the expected parameters.  An aiohttp release that
moves one fails here, naming it, instead of somewhere deep in a request."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import unittest

import aiohttp

from aiohttpretty import _seam


def _resolve(owner: str) -> object:
    """``aiohttp.client_reqrep`` (a module) or ``aiohttp.TCPConnector`` (a name in one)."""
    try:
        return importlib.import_module(owner)
    except ImportError:
        module_name, _, attribute = owner.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)


class PrivateNamesTest(unittest.IsolatedAsyncioTestCase):
    async def test_every_private_name_is_where_the_seam_expects_it(self):
        loop = asyncio.get_running_loop()
        instances = {
            aiohttp.BaseConnector: aiohttp.BaseConnector(),
            aiohttp.TCPConnector: aiohttp.TCPConnector(),
            _seam.ResponseHandler: _seam.ResponseHandler(loop),
            aiohttp.ClientSession: aiohttp.ClientSession(),
        }
        # The DNS cache's attributes are looked at on a connector's own cache.
        instances[_resolve("aiohttp.connector._DNSCacheTable")] = instances[
            aiohttp.TCPConnector
        ]._cached_hosts
        try:
            for owner_name, name, parameters in _seam.PRIVATE_NAMES:
                with self.subTest(f"{owner_name}.{name}"):
                    owner = _resolve(owner_name)
                    target = instances.get(owner, owner)  # type: ignore[call-overload]
                    self.assertTrue(
                        hasattr(target, name),
                        f"aiohttp {aiohttp.__version__} has no {owner_name}.{name}: update _seam",
                    )
                    if parameters is not None:
                        found = list(inspect.signature(getattr(owner, name)).parameters)
                        self.assertEqual(
                            found[: len(parameters)],
                            list(parameters),
                            f"aiohttp {aiohttp.__version__} changed the signature of {owner_name}.{name}",
                        )
        finally:
            for instance in instances.values():
                if isinstance(instance, (aiohttp.BaseConnector, aiohttp.ClientSession)):
                    await instance.close()

    def test_a_moved_name_is_named(self):
        # What the test above reports when a name moves: the owner and the name.
        with self.assertRaisesRegex(AttributeError, "no_such_name"):
            _resolve("aiohttp.no_such_name")

    async def test_the_pool_guard_fails_loudly_when_the_pool_moved(self):
        class Odd(aiohttp.BaseConnector):
            pass

        connector = Odd()
        pool = connector._conns
        del connector._conns
        try:
            with self.assertRaisesRegex(RuntimeError, "cannot see the connection pool of Odd"):
                _seam._pool(connector)
        finally:
            connector._conns = pool
            await connector.close()

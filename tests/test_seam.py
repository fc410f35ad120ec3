"""The seam with aiohttp: every private name the library relies on exists in
the installed aiohttp with the expected parameters.  An aiohttp release that
moves one fails here, naming it, instead of somewhere deep in a request."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import unittest
from typing import Any

import aiohttp

import aiohttpretty
from aiohttpretty import _hooks, _seam, _seam_websocket


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
        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "http://seam.test/", body="")
        instances = {
            aiohttp.BaseConnector: aiohttp.BaseConnector(),
            aiohttp.TCPConnector: aiohttp.TCPConnector(),
            _seam.ResponseHandler: _seam.ResponseHandler(loop),
            aiohttp.ClientSession: aiohttp.ClientSession(),
            # The queue of a mocked websocket's server side (its _buffer is set per instance).
            _seam_websocket._WSQueue: _seam_websocket.ws_reader(
                _seam_websocket.WSServerProtocol(asyncio.sleep), 16, False, loop
            )[0],
            # A response as aiohttp makes it (its attributes are set in __init__).
            aiohttp.ClientResponse: await mock.fake_request("GET", "http://seam.test/"),
        }
        # The DNS cache's attributes are looked at on a connector's own cache.
        instances[_resolve("aiohttp.connector._DNSCacheTable")] = instances[
            aiohttp.TCPConnector
        ]._cached_hosts
        try:
            for owner_name, name, parameters in (*_seam.PRIVATE_NAMES, *_seam_websocket.PRIVATE_NAMES):
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

    def test_the_websocket_machinery_is_listed(self):
        names = {name for _, name, _ in _seam_websocket.PRIVATE_NAMES}
        for name in ("WebSocketReader", "WebSocketWriter", "ws_ext_parse", "WS_KEY", "_buffer"):
            self.assertIn(name, names)

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


class SessionObserverTest(unittest.IsolatedAsyncioTestCase):
    """A session observer (``_hooks.session_observers``) sees each call of
    ``ClientSession._request`` first, while a mock is active, and goes on with
    it through the seam, which then notes the arguments as the observer passed
    them; without an active mock it is not called (aiohttp is not patched)."""

    async def test_the_last_observer_sees_the_call_and_proceeds(self):
        seen: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []

        async def observer(proceed: Any, session: Any, method: str, url: Any, args: Any, kwargs: Any) -> Any:
            seen.append((method, url, args, dict(kwargs)))
            return await proceed(session, method, url, *args, **{**kwargs, "headers": {"X-Seen": "1"}})

        async def unused(*args: Any) -> Any:
            raise AssertionError("only the last observer is called")

        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "http://observed.test/?q=1", body="answered")
        _hooks.session_observers.extend([unused, observer])
        mock.activate()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get("http://observed.test/", params={"q": "1"}) as response:
                    self.assertEqual(await response.text(), "answered")
        finally:
            mock.deactivate()
            del _hooks.session_observers[-2:]
        self.assertEqual(len(seen), 1)
        method, url, args, kwargs = seen[0]
        self.assertEqual(
            (method, str(url), args, kwargs["params"]), ("GET", "http://observed.test/", (), {"q": "1"})
        )
        [call] = mock.calls
        self.assertEqual((call.headers["X-Seen"], call.kwargs["headers"]), ("1", {"X-Seen": "1"}))

    async def test_an_observer_may_answer_itself_and_is_not_called_unpatched(self):
        calls: list[str] = []

        async def observer(proceed: Any, session: Any, method: str, url: Any, args: Any, kwargs: Any) -> Any:
            calls.append(method)
            raise aiohttp.ClientConnectionError("answered by the observer")

        _hooks.session_observers.append(observer)
        try:
            mock = aiohttpretty.AioHTTPretty()
            mock.activate()
            try:
                async with aiohttp.ClientSession() as session:
                    with self.assertRaisesRegex(aiohttp.ClientConnectionError, "answered by the observer"):
                        await session.get("http://observed.test/")
            finally:
                mock.deactivate()
            self.assertEqual((calls, mock.calls, mock.unmatched), (["GET"], [], []))
            # Not active: aiohttp's own session call, not observed.
            mock.register_uri("GET", "http://observed.test/", body="unobserved")
            response = await mock.fake_request("GET", "http://observed.test/")
            self.assertEqual((await response.text(), calls), ("unobserved", ["GET"]))
        finally:
            _hooks.session_observers.remove(observer)

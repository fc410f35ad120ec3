"""Escapes tried as an attacker would, against a real server on 127.0.0.1:
while a mock is active, zero requests reach it, and each attempt fails the
request with a refusal that the test's verdict counts."""

from __future__ import annotations

import asyncio
import io
import socket
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

import aiohttpretty


class _RealServer:
    """A real server counting the requests (and connections) that reach it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.server: TestServer | None = None

    async def start(self) -> str:
        async def answer(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.Response(text="real", headers={"Connection": "keep-alive"})

        app = web.Application()
        app.router.add_route("*", "/{path:.*}", answer)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return f"http://127.0.0.1:{self.server.port}"

    async def close(self) -> None:
        assert self.server is not None
        await self.server.close()


class EscapeTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.real = _RealServer()
        self.base = await self.real.start()
        self.addAsyncCleanup(self.real.close)

    async def fetch(self, session: aiohttp.ClientSession, url: str, **kwargs: Any) -> bytes:
        async with session.get(url, **kwargs) as response:
            return await response.read()

    async def test_a_connector_subclass_defined_after_activation(self):
        with aiohttpretty.mocked() as mock:

            class Late(aiohttp.TCPConnector):
                async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
                    return await super()._create_connection(req, traces, timeout)

            async with aiohttp.ClientSession(connector=Late()) as session:
                with mock.raises():
                    await self.fetch(session, self.base + "/late")
        self.assertEqual(self.real.requests, [])

    async def test_a_connector_subclass_with_its_own_connect(self):
        class OwnConnect(aiohttp.TCPConnector):
            async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
                # Opens the connection itself, around the patched method.
                protocol = await aiohttp.TCPConnector.__dict__["_create_connection"].__wrapped__(
                    self, req, traces, timeout
                )
                return aiohttp.connector.Connection(self, req.connection_key, protocol, self._loop)

        with aiohttpretty.mocked() as mock:
            async with aiohttp.ClientSession(connector=OwnConnect()) as session:
                with mock.raises(aiohttpretty.NetworkEscape, match="reach the network"):
                    await self.fetch(session, self.base + "/own")
        self.assertEqual(self.real.requests, [])

    async def test_a_connection_being_opened_at_activation_is_not_reused(self):
        resolving = asyncio.Event()
        go_on = asyncio.Event()

        class SlowResolver(aiohttp.DefaultResolver):
            async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> Any:
                resolving.set()
                await go_on.wait()
                return await super().resolve(host, port, family)

        # A host name, so that the connection waits for the resolver.
        base = self.base.replace("127.0.0.1", "localhost")
        connector = aiohttp.TCPConnector(resolver=SlowResolver(), family=socket.AF_INET)
        async with aiohttp.ClientSession(connector=connector) as session:
            before = asyncio.create_task(self.fetch(session, base + "/before"))
            await asyncio.wait_for(resolving.wait(), 10)
            with aiohttpretty.mocked() as mock:
                mock.register_uri("GET", base + "/registered", body=b"mocked", auto_length=True)
                go_on.set()
                self.assertEqual(await asyncio.wait_for(before, 10), b"real")  # started before: real
                # Its connection is pooled now; the registered URL is answered by the mock.
                self.assertEqual(await self.fetch(session, base + "/registered"), b"mocked")
                self.assertEqual(await self.fetch(session, base + "/registered"), b"mocked")
        self.assertEqual(self.real.requests, ["/before"])

    async def test_connector_connect_called_directly_with_a_pooled_real_connection(self):
        connector = aiohttp.TCPConnector()
        async with aiohttp.ClientSession(connector=connector) as session:
            self.assertEqual(await self.fetch(session, self.base + "/pooled"), b"real")
            with aiohttpretty.mocked() as mock:
                request = aiohttp.ClientRequest(
                    "GET", aiohttp.client.URL(self.base + "/direct"), loop=self._loop()
                )
                # The pooled real connection is closed; the one handed out is mocked.
                connection = await connector.connect(request, [], aiohttp.ClientTimeout())
                self.assertEqual(type(connection.transport).__name__, "MockTransport")
                connection.close()
                self.assertEqual(mock.unmatched, [])
        self.assertEqual(self.real.requests, ["/pooled"])

    async def test_passthrough_is_decided_on_the_proxy_actually_connected_to(self):
        proxy = _RealServer()
        proxy_url = await proxy.start()
        self.addAsyncCleanup(proxy.close)
        with aiohttpretty.mocked(passthrough=[f"127.0.0.1:{self.real.server.port}"]) as mock:  # type: ignore[union-attr]
            async with aiohttp.ClientSession() as session:
                with mock.raises():
                    await self.fetch(session, self.base + "/via-proxy", proxy=proxy_url)
        self.assertEqual((self.real.requests, proxy.requests), ([], []))

    async def test_a_passthrough_host_through_a_passthrough_proxy_is_real(self):
        with aiohttpretty.mocked(passthrough=["127.0.0.1"]):
            async with aiohttp.ClientSession() as session:
                self.assertEqual(await self.fetch(session, self.base + "/direct"), b"real")
        self.assertEqual(self.real.requests, ["/direct"])

    def _loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()


class SetUpWithoutSuperTest(unittest.TestCase):
    def test_the_mock_is_active_although_setup_skips_super(self):
        hits: list[str] = []

        class Forgetful(aiohttpretty.AioHTTPrettyTestCase):
            def setUp(self) -> None:  # no super()
                self.value = 1

            async def asyncSetUp(self) -> None:  # no super() either
                self.other = 2

            async def test_request(self) -> None:
                hits.append("ran")
                self.assertTrue(self.aiohttpretty.is_active)
                self.register_uri("GET", "http://api.test/x", body=b"mocked")
                async with aiohttp.ClientSession() as session:
                    async with session.get("http://api.test/x") as response:
                        self.assertEqual(await response.read(), b"mocked")

        result = unittest.TextTestRunner(stream=io.StringIO()).run(
            unittest.defaultTestLoader.loadTestsFromTestCase(Forgetful)
        )
        self.assertEqual((result.testsRun, result.failures, result.errors), (1, [], []))
        self.assertEqual(hits, ["ran"])


class LeftActiveTest(unittest.TestCase):
    def test_a_private_mock_left_active_is_reported_and_restored(self):
        class Leaky(aiohttpretty.AioHTTPrettyTestCase):
            def test_leaks(self) -> None:
                aiohttpretty.AioHTTPretty().activate()

        result = unittest.TextTestRunner(stream=io.StringIO()).run(
            unittest.defaultTestLoader.loadTestsFromTestCase(Leaky)
        )
        [(_, text)] = result.failures
        self.assertIn("was still active when the test ended", text)
        self.assertEqual(aiohttpretty._seam._active, [])
        self.assertFalse(getattr(aiohttp.ClientSession._request, "_aiohttpretty_patch", False))


if __name__ == "__main__":
    unittest.main()


class OneShotBodyTest(aiohttpretty.AioHTTPrettyTestCase):
    async def get(self, url: str) -> bytes:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.read()

    async def test_a_one_shot_body_requested_again_fails_naming_the_route(self):
        async def chunks() -> Any:
            yield b"once"

        self.register_uri("GET", "http://api.test/once", body=chunks())
        self.assertEqual(await self.get("http://api.test/once"), b"once")
        with self.assertRaisesRegex(
            TypeError, "route GET http://api.test/once has a body that can be read once"
        ):
            await self.get("http://api.test/once")

    async def test_the_source_is_closed_when_the_client_goes_away(self):
        closed = asyncio.Event()

        async def endless() -> Any:
            try:
                while True:
                    yield b"x" * 1024
                    await asyncio.sleep(0)
            finally:
                closed.set()

        self.register_uri("GET", "http://api.test/endless", body=endless())
        async with aiohttp.ClientSession() as session:
            response = await session.get("http://api.test/endless")
            await response.content.read(10)
            response.close()  # the client goes away mid-stream
        await asyncio.wait_for(closed.wait(), 5)

"""No request escapes: every mocked request path runs under a network guard that
makes sockets, name resolution and TLS wrapping fail loudly, and nothing may
touch them.

The guard itself is tested first: unmocked requests, passthrough requests and
raw socket/TLS calls are caught, so a guarded test that passes means something.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import socket
import ssl
import unittest
from collections.abc import Iterator
from typing import Any
from unittest import mock as stdlib_mock

import aiohttp
from aiohttp import web
from yarl import URL

import aiohttpretty
from aiohttpretty import _seam

from .netguard import GuardedTestMixin, NetworkAttempt, NetworkGuard

PROXY = "http://proxy.test:3128"


class NetworkGuardSelfTest(GuardedTestMixin, unittest.IsolatedAsyncioTestCase):
    """The guard catches what it must catch; each test empties ``attempts`` once checked."""

    def take_attempts(self) -> list[str]:
        attempts = list(self.guard.attempts)
        self.guard.attempts.clear()
        return attempts

    async def test_unmocked_request_to_an_ip_is_caught(self):
        async with aiohttp.ClientSession() as session:
            with self.assertRaises(NetworkAttempt):
                await session.get("http://127.0.0.1:9/")
        # aiohttp 3.10 and later connect with sock_connect; 3.9 with create_connection.
        attempts = self.take_attempts()
        self.assertTrue({"loop.sock_connect", "loop.create_connection"} & set(attempts), attempts)

    async def test_unmocked_request_to_a_host_name_is_caught_at_resolution(self):
        async with aiohttp.ClientSession() as session:
            with self.assertRaises(NetworkAttempt):
                await session.get("https://unmocked.test/")
        self.assertEqual(self.take_attempts()[:1], ["loop.getaddrinfo"])

    async def test_passthrough_host_reaches_the_guard(self):
        with aiohttpretty.mocked(passthrough=["127.0.0.1"]) as mock:
            mock.register_uri("GET", "http://api.test/x")
            async with aiohttp.ClientSession() as session:
                with self.assertRaises(NetworkAttempt):
                    await session.get("http://127.0.0.1:9/")
        self.assertTrue(self.take_attempts())

    async def test_unix_connector_unmocked_is_caught(self):
        async with aiohttp.ClientSession(
            connector=aiohttp.UnixConnector(path="/nonexistent.sock")
        ) as session:
            with self.assertRaises(NetworkAttempt):
                await session.get("http://api.test/")
        self.assertEqual(self.take_attempts(), ["loop.create_unix_connection"])

    def test_raw_socket_and_tls_calls_are_caught(self):
        checks: list[tuple[str, Any]] = [
            ("socket.getaddrinfo", lambda: socket.getaddrinfo("example.test", 80)),
            ("socket.create_connection", lambda: socket.create_connection(("127.0.0.1", 9))),
            ("ssl.SSLContext.wrap_bio", lambda: ssl.create_default_context().wrap_bio(*_bios())),
        ]
        for name, call in checks:
            with self.subTest(name), self.assertRaises(NetworkAttempt):
                call()
        with socket.socket() as sock:
            socket_checks: list[tuple[str, Any]] = [
                ("socket.connect", lambda: sock.connect(("127.0.0.1", 9))),
                ("socket.connect_ex", lambda: sock.connect_ex(("127.0.0.1", 9))),
                ("socket.send", lambda: sock.send(b"x")),
                ("ssl.SSLContext.wrap_socket", lambda: ssl.create_default_context().wrap_socket(sock)),
            ]
            for name, call in socket_checks:
                with self.subTest(name), self.assertRaises(NetworkAttempt):
                    call()
        self.assertEqual(
            self.take_attempts(),
            [
                "socket.getaddrinfo",
                "socket.create_connection",
                "ssl.SSLContext.wrap_bio",
                "socket.connect",
                "socket.connect_ex",
                "socket.send",
                "ssl.SSLContext.wrap_socket",
            ],
        )

    def test_guard_restores_everything(self):
        self.guard.__exit__(None, None, None)
        try:
            loop_class = asyncio.SelectorEventLoop
            originals = (socket.getaddrinfo, ssl.SSLContext.wrap_bio, loop_class.sock_connect)
            self.assertNotIn("connect", socket.socket.__dict__)
            with NetworkGuard():
                self.assertIn("connect", socket.socket.__dict__)
                self.assertIsNot(socket.getaddrinfo, originals[0])
                self.assertIsNot(loop_class.sock_connect, originals[2])
            self.assertEqual(
                (socket.getaddrinfo, ssl.SSLContext.wrap_bio, loop_class.sock_connect), originals
            )
            self.assertNotIn("connect", socket.socket.__dict__)
        finally:
            self.guard.__enter__()


def _bios() -> tuple[ssl.MemoryBIO, ssl.MemoryBIO]:
    return ssl.MemoryBIO(), ssl.MemoryBIO()


class GuardedMockTest(GuardedTestMixin, aiohttpretty.AioHTTPrettyTestCase):
    """Every mocked request path, with the network guard on."""

    def setUp(self) -> None:
        super().setUp()
        self.register_uri("GET", "http://api.test/x", body=b"http")
        self.register_uri("GET", "https://api.test/x", body=b"https")
        self.register_uri("POST", "https://api.test/echo", callback=lambda call: {"body": call.body})

    async def fetch(self, session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> bytes:
        async with session.request(method, url, **kwargs) as response:
            self.assertEqual(response.status, 200)
            return await response.read()

    async def test_http_and_https(self):
        async with aiohttp.ClientSession() as session:
            self.assertEqual(await self.fetch(session, "GET", "http://api.test/x"), b"http")
            self.assertEqual(await self.fetch(session, "GET", "https://api.test/x"), b"https")
            self.assertEqual(await self.fetch(session, "POST", "https://api.test/echo", data=b"up"), b"up")
        self.assertEqual(
            [str(call.url) for call in self.calls][:2], ["http://api.test/x", "https://api.test/x"]
        )

    async def test_module_level_request_function(self):
        async with aiohttp.request("GET", "https://api.test/x") as response:
            self.assertEqual(await response.read(), b"https")

    async def test_fake_request(self):
        response = await self.fake_request("GET", "https://api.test/x")
        self.assertEqual(await response.read(), b"https")

    async def test_redirects(self):
        self.register_uri(
            "GET", "http://api.test/to-https", status=301, headers={"Location": "https://api.test/x"}
        )
        self.register_uri("GET", "https://api.test/relative", status=302, headers={"Location": "/x"})
        self.register_uri(
            "GET", "https://api.test/other-host", status=302, headers={"Location": "http://b.test/"}
        )
        self.register_uri("GET", "http://b.test/", body=b"b")
        self.register_uri("POST", "https://api.test/keep", status=307, headers={"Location": "/echo"})
        self.register_uri("GET", "https://api.test/nowhere", status=302, headers={"Location": "/missing"})
        async with aiohttp.ClientSession() as session:
            self.assertEqual(await self.fetch(session, "GET", "http://api.test/to-https"), b"https")
            self.assertEqual(await self.fetch(session, "GET", "https://api.test/relative"), b"https")
            self.assertEqual(await self.fetch(session, "GET", "https://api.test/other-host"), b"b")
            self.assertEqual(
                await self.fetch(session, "POST", "https://api.test/keep", data=b"kept"), b"kept"
            )
            with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "GET https://api.test/missing"):
                await session.get("https://api.test/nowhere")
        self.assertEqual(self.calls[-1].url, URL("https://api.test/nowhere"))

    async def test_proxy_is_transparent_for_http_and_https_targets(self):
        proxies: list[dict[str, Any]] = [
            {"proxy": PROXY},
            {"proxy": "http://user:secret@proxy.test:3128"},
            {"proxy": PROXY, "proxy_headers": {"Proxy-Authorization": "Basic dXNlcjpzZWNyZXQ="}},
            {"proxy": "https://proxy.test:3129"},
        ]
        async with aiohttp.ClientSession() as session:
            for options in proxies:
                for url, body in [("http://api.test/x", b"http"), ("https://api.test/x", b"https")]:
                    with self.subTest(url=url, **options):
                        self.assertEqual(await self.fetch(session, "GET", url, **options), body)
                        self.assertEqual(self.calls.last.url, URL(url))
                        self.assertNotEqual(self.calls.last.url.host, "proxy.test")
        self.assertEqual(len(self.calls), 8)

    async def test_session_level_and_environment_proxies(self):
        # ClientSession(proxy=...) arrived in aiohttp 3.10; a per-request proxy works on all.
        session_proxy = "proxy" in inspect.signature(aiohttp.ClientSession).parameters
        async with aiohttp.ClientSession(**({"proxy": PROXY} if session_proxy else {})) as session:
            proxy = {} if session_proxy else {"proxy": PROXY}
            self.assertEqual(await self.fetch(session, "GET", "https://api.test/x", **proxy), b"https")
        environment = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "NO_PROXY": ""}
        with stdlib_mock.patch.dict(os.environ, environment):
            async with aiohttp.ClientSession(trust_env=True) as session:
                self.assertEqual(await self.fetch(session, "GET", "http://api.test/x"), b"http")
                self.assertEqual(await self.fetch(session, "GET", "https://api.test/x"), b"https")
        self.assertEqual(len(self.calls), 3)

    async def test_unregistered_url_through_a_proxy_fails_with_our_error(self):
        async with aiohttp.ClientSession() as session:
            for url in ("http://api.test/missing", "https://api.test/missing"):
                with self.subTest(url), self.assertRaisesRegex(aiohttpretty.NoRouteMatched, f"GET {url}"):
                    await session.get(url, proxy=PROXY)

    async def test_custom_connectors(self):
        connectors: dict[str, aiohttp.BaseConnector] = {
            "limit=1": aiohttp.TCPConnector(limit=1),
            "limit_per_host=1": aiohttp.TCPConnector(limit_per_host=1),
            "ssl=False": aiohttp.TCPConnector(ssl=False),
            "ssl context": aiohttp.TCPConnector(ssl=ssl.create_default_context()),
            "force_close": aiohttp.TCPConnector(force_close=True),
            "no dns cache, IPv6": aiohttp.TCPConnector(use_dns_cache=False, family=socket.AF_INET6),
            "threaded resolver": aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver()),
            "unix socket": aiohttp.UnixConnector(path="/nonexistent.sock"),
        }
        for name, connector in connectors.items():
            with self.subTest(name):
                async with aiohttp.ClientSession(connector=connector) as session:
                    results = await asyncio.gather(
                        *(
                            self.fetch(session, "GET", url)
                            for url in ["http://api.test/x", "https://api.test/x"] * 5
                        )
                    )
                    self.assertEqual(results, [b"http", b"https"] * 5)
                    with self.assertRaises(aiohttpretty.NoRouteMatched):
                        await session.get("https://api.test/missing")
        self.assertEqual(len(self.calls), 10 * len(connectors))

    async def test_per_request_ssl_options(self):
        fingerprint = aiohttp.Fingerprint(bytes(32))
        async with aiohttp.ClientSession() as session:
            for ssl_option in (False, ssl.create_default_context(), fingerprint):
                with self.subTest(ssl=ssl_option):
                    self.assertEqual(
                        await self.fetch(session, "GET", "https://api.test/x", ssl=ssl_option), b"https"
                    )

    async def test_shared_connector_across_sessions(self):
        connector = aiohttp.TCPConnector(limit=1)
        try:
            sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False) for _ in range(3)]
            results = await asyncio.gather(
                *(self.fetch(s, "GET", "https://api.test/x") for s in sessions * 3)
            )
            self.assertEqual(results, [b"https"] * 9)
            for session in sessions:
                await session.close()
        finally:
            await connector.close()

    async def test_connector_subclasses(self):
        class DefinedWhileActive(aiohttp.TCPConnector):
            async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
                return await super()._create_connection(req, traces, timeout)

        # DefinedWhileActive's own _create_connection is not patched (it did not exist
        # at activation), but TCPConnector's, which it calls through super(), is.
        for connector_class in (DefinedWhileActive, _ConnectorDefinedAtImport):
            with self.subTest(connector_class.__name__):
                async with aiohttp.ClientSession(connector=connector_class()) as session:
                    self.assertEqual(await self.fetch(session, "GET", "https://api.test/x"), b"https")

    async def test_websocket_to_an_unregistered_url_fails_with_our_error(self):
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "GET wss://api.test/socket"):
                await session.ws_connect("wss://api.test/socket")

    async def test_timeouts_and_tracing_do_not_open_sockets(self):
        trace = aiohttp.TraceConfig()
        events: list[str] = []

        async def on_connection_create_end(*args: Any) -> None:
            events.append("connection created")

        trace.on_connection_create_end.append(on_connection_create_end)
        timeout = aiohttp.ClientTimeout(total=5, connect=1, sock_connect=1, sock_read=1)
        async with aiohttp.ClientSession(timeout=timeout, trace_configs=[trace]) as session:
            self.assertEqual(await self.fetch(session, "GET", "https://api.test/x"), b"https")
        self.assertEqual(events, ["connection created"])


class _ConnectorDefinedAtImport(aiohttp.TCPConnector):
    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        return await super()._create_connection(req, traces, timeout)


class SessionBeforeActivationTest(GuardedTestMixin, unittest.IsolatedAsyncioTestCase):
    """Sessions and connectors made before the mock was activated."""

    async def test_session_created_before_activate_is_mocked(self):
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession() as session, aiohttp.ClientSession(connector=connector) as limited:
            with aiohttpretty.mocked() as mock:
                mock.register_uri("GET", "https://api.test/x", body=b"mocked")
                for each in (session, limited):
                    async with each.get("https://api.test/x") as response:
                        self.assertEqual(await response.read(), b"mocked")
                self.assertEqual(len(mock.calls), 2)
            # Deactivated: the same session goes for the network again, and the guard sees it.
            with self.assertRaises(NetworkAttempt):
                await session.get("https://api.test/x")
            self.assertEqual(self.guard.attempts, ["loop.getaddrinfo"])
            self.guard.attempts.clear()


class PooledRealConnectionTest(GuardedTestMixin, unittest.IsolatedAsyncioTestCase):
    """Keep-alive connections to a real server (127.0.0.1) that a session pooled
    before or during activation: reused while mocked, they would reach the
    network, except to a passthrough host."""

    async def asyncSetUp(self) -> None:
        self.hits: list[str] = []
        self.client_ports: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()

        async def handler(request: web.Request) -> web.Response:
            self.hits.append(request.path)
            assert request.transport is not None
            self.client_ports.append(request.transport.get_extra_info("peername")[1])
            await self.gate.wait()
            return web.Response(body=b"real")

        app = web.Application()
        app.router.add_get("/x", handler)
        runner = web.AppRunner(app)
        with self.unguarded():
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self.session = aiohttp.ClientSession()
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/x"

        async def close() -> None:
            with self.unguarded():
                await self.session.close()
                await runner.cleanup()

        self.addAsyncCleanup(close)

    @contextlib.contextmanager
    def unguarded(self) -> Iterator[None]:
        """The network guard off: for the server and the requests meant to reach it."""
        self.guard.__exit__(None, None, None)
        try:
            yield
        finally:
            self.guard.__enter__()

    async def real_get(self) -> bytes:
        with self.unguarded():
            async with self.session.get(self.url) as response:
                return await response.read()

    async def guarded_get(self) -> bytes:
        """A request under the guard: what answered it."""
        try:
            async with self.session.get(self.url) as response:
                return await response.read()
        except NetworkAttempt:
            return b"<the request went for the network>"

    async def test_a_connection_pooled_before_activation_is_not_reused(self):
        self.assertEqual(await self.real_get(), b"real")
        with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", self.url, body=b"mocked")
            self.assertEqual(await self.guarded_get(), b"mocked")
            self.assertEqual(len(mock.calls), 1)
        self.assertEqual(self.hits, ["/x"])

    async def test_to_a_passthrough_host_the_pooled_connection_is_kept(self):
        # The server sees both requests come from the same client port.
        self.assertEqual(await self.real_get(), b"real")
        with aiohttpretty.mocked(passthrough=["127.0.0.1"]):
            self.assertEqual(await self.real_get(), b"real")
        self.assertEqual(self.hits, ["/x"] * 2)
        self.assertEqual(len(set(self.client_ports)), 1, self.client_ports)

    async def test_a_host_no_longer_passed_through_gets_no_pooled_connection(self):
        with aiohttpretty.mocked(passthrough=["127.0.0.1"]) as mock:
            self.assertEqual(await self.real_get(), b"real")
            mock.register_uri("GET", self.url, body=b"mocked")
            mock.activate(passthrough=[])
            self.assertEqual(await self.guarded_get(), b"mocked")
        self.assertEqual(self.hits, ["/x"])

    async def test_a_real_request_in_flight_at_activation_does_not_lend_its_connection(self):
        # Its connection is pooled only when it ends, after a mocked request of
        # the same session started: later ones must not reuse it.
        self.gate.clear()
        with self.unguarded():
            in_flight = asyncio.create_task(self.session.get(self.url))
            while not self.hits:
                await asyncio.sleep(0.001)
        with aiohttpretty.mocked() as mock:
            # No Content-Length: the mocked connection closes, so the real one
            # is all the pool will hold.
            mock.register_uri("GET", self.url, body=b"mocked")
            self.assertEqual(await self.guarded_get(), b"mocked")
            with self.unguarded():
                self.gate.set()
                async with await in_flight as response:
                    self.assertEqual(await response.read(), b"real")
            self.assertEqual(await self.guarded_get(), b"mocked")
            self.assertEqual(len(mock.calls), 2)
        self.assertEqual(self.hits, ["/x"])


class ActivePatchesTest(unittest.TestCase):
    """What the guarded tests rely on: the patched seams are exactly aiohttp's own."""

    def test_every_connector_class_with_its_own_create_connection_is_patched(self):
        with aiohttpretty.mocked():
            for cls in (aiohttp.BaseConnector, aiohttp.TCPConnector, aiohttp.UnixConnector):
                with self.subTest(cls.__name__):
                    self.assertTrue(getattr(cls.__dict__["_create_connection"], "_aiohttpretty_patch", False))
            self.assertTrue(getattr(aiohttp.ClientSession._request, "_aiohttpretty_patch", False))
        self.assertEqual(_seam._active, [])
        self.assertFalse(getattr(aiohttp.TCPConnector._create_connection, "_aiohttpretty_patch", False))


if __name__ == "__main__":
    unittest.main()

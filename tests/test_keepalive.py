"""Keep-alive: a mocked connection carries the next request when the response's
end is framed, as a real server's does, and never outlives the mock that
answered on it.

Connections are counted with aiohttp's own trace signals
(``on_connection_create_end`` for a new one, ``on_connection_reuseconn`` for one
taken from the pool), as a user's tracing would see them.
"""

from __future__ import annotations

import asyncio
import gc
import unittest
import warnings
from typing import Any

import aiohttp

import aiohttpretty

from .netguard import GuardedTestMixin, NetworkAttempt


class Connections:
    """Counts the connections a session opens and reuses."""

    def __init__(self) -> None:
        self.created = 0
        self.reused = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._on_create)
        self.trace.on_connection_reuseconn.append(self._on_reuse)

    async def _on_create(self, *_: Any) -> None:
        self.created += 1

    async def _on_reuse(self, *_: Any) -> None:
        self.reused += 1

    def counts(self) -> tuple[int, int]:
        return (self.created, self.reused)


class KeepAliveTest(GuardedTestMixin, aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.connections = Connections()
        self.session = aiohttp.ClientSession(trace_configs=[self.connections.trace])
        self.addAsyncCleanup(self.session.close)

    async def fetch(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
        async with self.session.request(method, url, **kwargs) as response:
            return response.status, await response.read()

    async def test_framed_responses_keep_the_connection(self):
        chunks = ["a", "bc"]
        cases = {
            "the default, bytes": dict(body=b"hello"),
            "the default, a list of chunks": dict(body=chunks),
            "auto_length": dict(body=b"hello", auto_length=True),
            "Content-Length given and right": dict(body=b"hello", headers={"Content-Length": "5"}),
            "chunked": dict(body=chunks, headers={"Transfer-Encoding": "chunked"}),
            "chunked bytes": dict(body=b"x" * 200_000, headers={"Transfer-Encoding": "chunked"}),
            "204": dict(status=204),
            "304": dict(status=304, body=b"ignored"),
            "a long body with auto_length": dict(body=b"y" * 200_000, auto_length=True),
        }
        for number, (name, options) in enumerate(cases.items()):
            with self.subTest(name):
                url = f"http://host{number}.test/x"
                self.register_uri("GET", url, **options)
                before = self.connections.counts()
                first = await self.fetch("GET", url)
                second = await self.fetch("GET", url)
                self.assertEqual(first, second)
                self.assertEqual(self.connections.counts(), (before[0] + 1, before[1] + 1))
        self.register_uri("HEAD", "http://head.test/x", body=b"hello", auto_length=True)
        before = self.connections.counts()
        self.assertEqual(await self.fetch("HEAD", "http://head.test/x"), (200, b""))
        self.assertEqual(await self.fetch("HEAD", "http://head.test/x"), (200, b""))
        self.assertEqual(self.connections.counts(), (before[0] + 1, before[1] + 1))

    async def test_responses_read_until_the_connection_closes_end_it(self):
        def stream_reader() -> asyncio.StreamReader:
            reader = asyncio.StreamReader()
            reader.feed_data(b"hello")
            reader.feed_eof()
            return reader

        async def iterator() -> Any:
            yield b"hello"

        cases = {
            "no Content-Length (auto_length=False)": lambda: dict(body=b"hello", auto_length=False),
            "a stream without auto_length": lambda: dict(body=stream_reader()),
            "an async iterator": lambda: dict(body=iterator()),
            "Connection: close": lambda: dict(
                body=b"hello", auto_length=True, headers={"Connection": "close"}
            ),
        }
        for number, (name, options) in enumerate(cases.items()):
            with self.subTest(name):
                url = f"http://host{number}.test/x"
                before = self.connections.counts()
                for _ in range(2):
                    self.register_uri("GET", url, **options())
                    self.assertEqual(await self.fetch("GET", url), (200, b"hello"))
                self.assertEqual(self.connections.counts(), (before[0] + 2, before[1]))

    async def test_a_request_asking_to_close_ends_the_connection(self):
        self.register_uri("GET", "http://api.test/x", body=b"hello", auto_length=True)
        await self.fetch("GET", "http://api.test/x", headers={"Connection": "close"})
        await self.fetch("GET", "http://api.test/x", headers={"Connection": "close"})
        self.assertEqual(self.connections.counts(), (2, 0))

    async def test_each_request_on_one_connection_is_recorded_as_sent(self):
        self.register_uri("GET", "http://api.test/a", params={"x": "1"}, body=b"a1", auto_length=True)
        self.register_uri("POST", "http://api.test/b", body=b"b", auto_length=True)
        self.register_uri("PUT", "http://api.test/c%20d", body=b"c", auto_length=True)
        self.register_uri("GET", "http://api.test/a", params={"x": "2"}, body=b"a2", auto_length=True)
        self.assertEqual(await self.fetch("GET", "http://api.test/a?x=1"), (200, b"a1"))
        self.assertEqual(await self.fetch("POST", "http://api.test/b", json={"k": 1}), (200, b"b"))
        self.assertEqual(
            await self.fetch("PUT", "http://api.test/c d", data=b"raw", headers={"X-N": "3"}), (200, b"c")
        )
        self.assertEqual(await self.fetch("GET", "http://api.test/a", params={"x": "2"}), (200, b"a2"))
        self.assertEqual(self.connections.counts(), (1, 3))
        calls = self.calls
        self.assertEqual([call.method for call in calls], ["GET", "POST", "PUT", "GET"])
        self.assertEqual(
            [str(call.url) for call in calls],
            ["http://api.test/a?x=1", "http://api.test/b", "http://api.test/c%20d", "http://api.test/a?x=2"],
        )
        self.assertEqual(calls[1].json(), {"k": 1})
        self.assertEqual(calls[1]["json"], {"k": 1})
        self.assertEqual(calls[2].body, b"raw")
        self.assertEqual(calls[2].headers["X-N"], "3")
        self.assertEqual(calls[2]["headers"], {"X-N": "3"})
        self.assertEqual(calls[3]["params"], {"x": "2"})
        self.assertNotIn("X-N", calls[3].headers)
        self.assertCallCount("GET", "http://api.test/a?x=1", 1)

    async def test_a_repeated_request_is_recorded_each_time_as_sent(self):
        # A request identical to the last one on its connection is not read
        # again, but recorded again, with the arguments of its own call.
        self.register_uri("GET", "http://api.test/x", body=b"x", auto_length=True)
        first = {"X-Trace": "1"}
        second = {"X-Trace": "1"}
        for headers in (first, second, {"X-Trace": "2"}, first):
            self.assertEqual(await self.fetch("GET", "http://api.test/x", headers=headers), (200, b"x"))
        self.assertEqual(self.connections.counts(), (1, 3))
        calls = self.calls
        self.assertEqual(len({id(call) for call in calls}), 4)
        self.assertEqual([call.headers["X-Trace"] for call in calls], ["1", "1", "2", "1"])
        self.assertIs(calls[0]["headers"], first)
        self.assertIs(calls[1]["headers"], second)
        self.assertEqual([str(call.url) for call in calls], ["http://api.test/x"] * 4)
        self.assertEqual([call.route for call in calls], [calls[0].route] * 4)
        self.assertCallCount("GET", "http://api.test/x", 4)

    async def test_large_and_small_heads_alike(self):
        # Heads of every size are read right, kept in the cache of read heads or not.
        self.register_uri("GET", "http://api.test/x", body=b"x", auto_length=True)
        sizes = [10, 5_000, 20_000, 10, 20_000]
        for size in sizes:
            self.assertEqual(
                await self.fetch("GET", "http://api.test/x", headers={"X-Big": "b" * size}), (200, b"x")
            )
        self.assertEqual([len(call.headers["X-Big"]) for call in self.calls], sizes)
        self.assertEqual(self.connections.counts(), (1, 4))

    async def test_requests_with_an_empty_body_keep_the_connection(self):
        # aiohttp may send them with Content-Length: 0 and a task writing nothing.
        for method in ("POST", "PUT", "DELETE", "GET"):
            self.register_uri(method, "http://api.test/x", body=method, auto_length=True)
        self.assertEqual(await self.fetch("POST", "http://api.test/x", data=b""), (200, b"POST"))
        self.assertEqual(await self.fetch("PUT", "http://api.test/x"), (200, b"PUT"))
        self.assertEqual(await self.fetch("DELETE", "http://api.test/x"), (200, b"DELETE"))
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"GET"))
        self.assertEqual([call.body for call in self.calls], [b""] * 4)
        self.assertEqual(self.connections.counts(), (1, 3))

    async def test_expect_continue_on_a_reused_connection(self):
        self.register_uri("POST", "http://api.test/upload", body=b"ok", auto_length=True)
        for payload in (b"first", b"second"):
            self.assertEqual(
                await self.fetch("POST", "http://api.test/upload", data=payload, expect100=True), (200, b"ok")
            )
        self.assertEqual([call.body for call in self.calls], [b"first", b"second"])
        self.assertEqual(self.connections.counts(), (1, 1))

    async def test_a_redirect_hop_reuses_the_connection(self):
        self.register_uri(
            "GET", "http://api.test/old", status=302, headers={"Location": "/new"}, auto_length=True
        )
        self.register_uri("GET", "http://api.test/new", body=b"moved", auto_length=True)
        self.assertEqual(await self.fetch("GET", "http://api.test/old"), (200, b"moved"))
        self.assertEqual(self.connections.counts(), (1, 1))
        self.assertEqual(
            [str(call.url) for call in self.calls], ["http://api.test/old", "http://api.test/new"]
        )

    async def test_a_refused_request_closes_its_connection(self):
        self.register_uri("GET", "http://api.test/x", body=b"hello", auto_length=True)
        await self.fetch("GET", "http://api.test/x")
        with self.assertRaises(aiohttpretty.NoRouteMatched):
            await self.fetch("GET", "http://api.test/missing")
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"hello"))
        self.assertEqual(self.connections.counts(), (2, 1))


class MockChangeTest(GuardedTestMixin, unittest.IsolatedAsyncioTestCase):
    """A pooled mocked connection answers only for the mock that opened it."""

    async def asyncSetUp(self) -> None:
        self.connections = Connections()
        self.session = aiohttp.ClientSession(trace_configs=[self.connections.trace])
        self.addAsyncCleanup(self.session.close)

    async def fetch(self, url: str) -> bytes:
        async with self.session.get(url) as response:
            return await response.read()

    async def test_deactivate_closes_pooled_connections(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "http://api.test/x", body=b"mocked", auto_length=True)
        mock.activate()
        try:
            self.assertEqual(await self.fetch("http://api.test/x"), b"mocked")
        finally:
            mock.deactivate()
        # The pooled connection is closed: the request goes for the network
        # (caught by the guard) instead of being answered by the old mock.
        with self.assertRaises(NetworkAttempt):
            await self.fetch("http://api.test/x")
        self.assertEqual(self.guard.attempts, ["loop.getaddrinfo"])
        self.guard.attempts.clear()
        self.assertEqual(len(mock.calls), 1)

    async def test_a_nested_mock_gets_its_own_connections(self):
        with aiohttpretty.mocked() as outer:
            outer.register_uri("GET", "http://api.test/x", body=b"outer", auto_length=True)
            self.assertEqual(await self.fetch("http://api.test/x"), b"outer")
            with aiohttpretty.mocked() as inner:
                inner.register_uri("GET", "http://api.test/x", body=b"inner", auto_length=True)
                self.assertEqual(await self.fetch("http://api.test/x"), b"inner")
                self.assertEqual(await self.fetch("http://api.test/x"), b"inner")
                self.assertEqual((len(outer.calls), len(inner.calls)), (1, 2))
            self.assertEqual(await self.fetch("http://api.test/x"), b"outer")
            self.assertEqual(len(outer.calls), 2)
        # One connection per activation change: outer, inner (reused once), outer again.
        self.assertEqual(self.connections.counts(), (3, 1))

    async def test_a_connection_busy_when_the_mock_changes_closes_after_its_response(self):
        release = asyncio.Event()

        async def slow() -> Any:
            yield b"part one, "
            await release.wait()
            yield b"part two"

        with aiohttpretty.mocked() as first:
            first.register_uri(
                "GET", "http://api.test/slow", body=slow(), headers={"Transfer-Encoding": "chunked"}
            )
            first.register_uri("GET", "http://api.test/x", body=b"first", auto_length=True)
            async with self.session.get("http://api.test/slow") as response:
                with aiohttpretty.mocked() as second:
                    second.register_uri("GET", "http://api.test/x", body=b"second", auto_length=True)
                    release.set()
                    self.assertEqual(await response.read(), b"part one, part two")
                    self.assertEqual(await self.fetch("http://api.test/x"), b"second")
            self.assertEqual(await self.fetch("http://api.test/x"), b"first")
        # The busy connection was not pooled for the second mock: three new connections.
        self.assertEqual(self.connections.counts(), (3, 0))

    def test_deactivate_after_the_event_loop_closed(self):
        # As a sync fixture's teardown may run, after the test's loop was closed
        # with a connection still pooled in a session the code did not close.
        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "http://api.test/x", body=b"mocked", auto_length=True)

        async def pool_a_connection() -> aiohttp.ClientSession:
            session = aiohttp.ClientSession()
            async with session.get("http://api.test/x") as response:
                self.assertEqual(await response.read(), b"mocked")
            return session

        mock.activate()
        try:
            loop = asyncio.new_event_loop()
            try:
                session = loop.run_until_complete(pool_a_connection())
            finally:
                loop.close()
            pooled = [
                protocol for connections in session.connector._conns.values() for protocol, _ in connections
            ]
            self.assertEqual([protocol.is_connected() for protocol in pooled], [True])
        finally:
            mock.deactivate()
        self.assertEqual([protocol.is_connected() for protocol in pooled], [False])
        self.assertFalse(mock.is_active)
        # The session cannot be closed without its loop: aiohttp reports it, as it
        # should, with a ResourceWarning and to the loop's exception handler (whose
        # default would log it). Only the messages are kept: a recorded warning
        # would keep its source, the session, alive.
        reported: list[str] = []
        warned: list[str] = []
        loop.set_exception_handler(lambda _, context: reported.append(context["message"]))
        with warnings.catch_warnings():
            warnings.simplefilter("always", ResourceWarning)
            warnings.showwarning = lambda message, *_: warned.append(str(message).split(" <")[0])
            del session, pooled
            gc.collect()
        self.assertEqual(reported, ["Unclosed client session", "Unclosed connector"])
        self.assertEqual(warned, reported)

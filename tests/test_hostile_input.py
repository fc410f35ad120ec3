"""Hostile input: invalid methods, header values with CR/LF, bodies
``register_json_uri`` cannot encode, 100 MB streamed bodies, and bodies that raise
while being read.  Each gets a clear error, and a refused registration leaves
the registry exactly as it was (the route it would have replaced still answers).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import hashlib
import io
import re
import tracemalloc
import unittest
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp

import aiohttpretty

from .netguard import GuardedTestMixin

MB = 1 << 20
HUGE = 100 * MB


def _circular() -> dict[str, Any]:
    data: dict[str, Any] = {}
    data["self"] = data
    return data


class _Unserialisable:
    def __repr__(self) -> str:
        return "<Unserialisable>"


class _HostileTest(GuardedTestMixin, aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.session = aiohttp.ClientSession()
        self.addAsyncCleanup(self.session.close)
        self.kept = self.register_uri("GET", "http://api.test/x", body=b"kept")
        self.register_json_uri("POST", "http://api.test/json", body={"kept": True})

    def snapshot(self) -> tuple[Any, ...]:
        routes = self.aiohttpretty.registry.routes()
        return routes, len(self.aiohttpretty.registry), tuple(self.aiohttpretty.registry)

    @contextmanager
    def refused(self, error: type[Exception], message: str) -> Iterator[None]:
        """The block raises ``error`` matching ``message`` and changes no route."""
        before = self.snapshot()
        with self.assertRaisesRegex(error, message):
            yield
        self.assertEqual(self.snapshot(), before)

    async def fetch(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
        async with self.session.request(method, url, **kwargs) as response:
            return response.status, await response.read()

    async def assert_still_answering(self) -> None:
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"kept"))
        self.assertEqual(await self.fetch("POST", "http://api.test/json"), (200, b'{"kept": true}'))


class InvalidMethodTest(_HostileTest):
    async def test_registering_an_invalid_method(self):
        methods: list[Any] = ["", " ", "GE T", "GET\r\n", "GET\r\nX-Injected: 1", "G\x00ET", "GÉT", "GET/1"]
        methods += [None, 1, b"GET"]
        for method in methods:
            for register in (self.register_uri, self.register_json_uri, aiohttpretty.register_uri):
                with self.subTest(method=method, register=register.__name__):
                    with self.refused(ValueError, re.escape(f"invalid HTTP method {method!r}")):
                        register(method, "http://api.test/x", body=b"replaced")
        await self.assert_still_answering()

    async def test_registering_a_method_with_a_trailing_newline(self):
        # A trailing newline must not slip past the token check ("$" would allow it).
        for method in ["GET\n", "POST\n"]:
            with self.subTest(method=method):
                with self.refused(ValueError, re.escape(f"invalid HTTP method {method!r}")):
                    self.register_uri(method, "http://api.test/x", body=b"replaced")
        await self.assert_still_answering()

    async def test_requesting_with_an_invalid_method(self):
        for method in ["GE T", "GET\r\nX-Injected: 1", "G\x00ET"]:
            with self.subTest(method=method), self.assertRaisesRegex(ValueError, "Method cannot contain"):
                await self.fetch(method, "http://api.test/x")
        # aiohttp lets an empty method through: the mock refuses it, naming it.
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "No route matches  http://api.test/x"):
            await self.fetch("", "http://api.test/x")
        self.assertEqual(len(self.calls), 0)
        await self.assert_still_answering()

    async def test_lower_case_and_extension_methods_are_fine(self):
        self.register_uri("propfind", "http://api.test/dav", status=207)
        self.assertEqual(await self.fetch("PROPFIND", "http://api.test/dav"), (207, b""))
        self.assertEqual(await self.fetch("propfind", "http://api.test/dav"), (207, b""))


class HeaderInjectionTest(_HostileTest):
    async def test_response_header_values_with_cr_lf_or_nul(self):
        for value in ["a\r\nb", "a\nSet-Cookie: evil=1", "a\rb", "a\x00b", b"a\r\nb", "\r\n"]:
            for headers in ({"X-Evil": value}, [("X-Evil", value)]):
                with self.subTest(value=value, headers=type(headers).__name__):
                    with self.refused(
                        ValueError, "contains CR, LF or NUL, which would split the HTTP message"
                    ):
                        self.register_uri("GET", "http://api.test/x", headers=headers, body=b"replaced")
        await self.assert_still_answering()

    async def test_header_name_with_a_trailing_newline(self):
        # A trailing newline must not slip past the header-name check.
        for name in ["X-Evil\n", "Set-Cookie\n"]:
            with self.subTest(name=name), self.refused(ValueError, "invalid header name"):
                self.register_uri("GET", "http://api.test/x", headers={name: "v"})
        await self.assert_still_answering()

    async def test_invalid_header_names_and_reasons(self):
        for name in ["X-Evil\r\n", "X Evil", "X:Evil", "", "X\x00"]:
            with self.subTest(name=name), self.refused(ValueError, "invalid header name"):
                self.register_uri("GET", "http://api.test/x", headers={name: "v"})
        with self.refused(ValueError, "reason 'OK\\\\r\\\\nX: 1' contains CR, LF or NUL"):
            self.register_uri("GET", "http://api.test/x", reason="OK\r\nX: 1")
        with self.refused(ValueError, "contains CR, LF or NUL"):
            self.register_json_uri("POST", "http://api.test/json", headers={"X": "a\nb"}, body={})
        await self.assert_still_answering()

    async def test_a_bad_entry_in_a_responses_list_refuses_the_whole_route(self):
        with self.refused(ValueError, "contains CR, LF or NUL"):
            self.register_uri(
                "GET", "http://api.test/x", responses=[{"body": b"fine"}, {"headers": {"X": "a\r\nb"}}]
            )
        await self.assert_still_answering()

    async def test_request_header_values_with_cr_lf_are_refused_by_aiohttp_and_not_recorded(self):
        refused = "Forbidden control character|Newline or carriage return"
        for value in ["a\r\nb", "a\nb"]:
            with self.subTest(value=value), self.assertRaisesRegex(ValueError, refused):
                await self.fetch("GET", "http://api.test/x", headers={"X-Evil": value})
        self.assertEqual((len(self.calls), len(self.aiohttpretty.unmatched)), (0, 0))
        # NUL: aiohttp 3.13 and later refuse it; older ones send it, and the call
        # records exactly what was sent.
        try:
            await self.fetch("GET", "http://api.test/x", headers={"X-Evil": "a\x00b"})
        except ValueError as refusal:
            self.assertRegex(str(refusal), "Forbidden control character")
            self.assertEqual(len(self.calls), 0)
        else:
            self.assertEqual(self.calls[-1].headers["X-Evil"], "a\x00b")
        await self.assert_still_answering()


class JsonBodyTest(_HostileTest):
    UNSERIALISABLE: list[Any] = [
        _Unserialisable(),
        {1, 2},
        b"raw bytes",
        datetime.date(2024, 1, 1),
        decimal.Decimal("1.5"),
        {(1, 2): "tuple key"},
        _circular(),
        [1, object()],
        (chunk for chunk in [b"a"]),
    ]

    async def test_top_level_body_that_json_cannot_encode(self):
        for body in self.UNSERIALISABLE:
            for register in (self.register_json_uri, aiohttpretty.register_json_uri):
                with self.subTest(body=type(body).__name__, register=register.__name__):
                    with self.refused(TypeError, "register_json_uri: the body cannot be encoded as JSON"):
                        register("POST", "http://api.test/json", body=body)
        await self.assert_still_answering()

    async def test_responses_entry_that_json_cannot_encode(self):
        for body in self.UNSERIALISABLE:
            if isinstance(body, bytes):
                continue  # bytes inside responses=[...] are sent as given, as the original did
            with self.subTest(body=type(body).__name__):
                with self.refused(TypeError, "register_json_uri: a response body cannot be encoded as JSON"):
                    self.register_json_uri(
                        "POST", "http://api.test/json", responses=[{"body": [1]}, {"body": body}]
                    )
        await self.assert_still_answering()

    async def test_match_json_that_json_cannot_encode(self):
        with self.refused(TypeError, "match_json must be JSON-serialisable data"):
            self.register_uri("POST", "http://api.test/json", match_json={"when": datetime.date(2024, 1, 1)})
        await self.assert_still_answering()

    async def test_callback_returning_json_that_cannot_be_encoded_fails_the_request_clearly(self):
        self.register_uri("GET", "http://api.test/cb", callback=lambda call: {"json": {1, 2}})
        with self.assertRaisesRegex(TypeError, "register_json_uri: the body cannot be encoded as JSON"):
            await self.fetch("GET", "http://api.test/cb")
        await self.assert_still_answering()


class OtherRegistrationErrorsTest(_HostileTest):
    async def test_each_error_leaves_the_registry_unchanged(self):
        cases: list[tuple[type[Exception], str, dict[str, Any]]] = [
            (ValueError, "must be an absolute http", {"uri": "api.test/x"}),
            (ValueError, "must be an absolute http", {"uri": "ftp://api.test/x"}),
            (TypeError, "uri must be a str or a yarl.URL", {"uri": b"http://api.test/x"}),
            (TypeError, "status must be an int", {"status": "200"}),
            (ValueError, "status must be between 100 and 599", {"status": 1000}),
            (TypeError, "params must be a mapping", {"params": 5}),
            (TypeError, "query parameter 'a' has a value of type dict", {"params": {"a": {}}}),
            (TypeError, "responses must be a list of dicts", {"responses": "body"}),
            (TypeError, "unknown option 'bodyy'", {"bodyy": b""}),
            (ValueError, "times must be at least 1", {"times": 0}),
            (ValueError, "delay must be a finite number", {"delay": float("nan")}),
            (TypeError, "exception must be an exception instance or class", {"exception": "boom"}),
            # Accepted once, broken later: refused when registered now.
            (ValueError, "status 100 is an interim", {"status": 100}),
            (ValueError, "status 199 is an interim", {"status": 199}),
            (TypeError, "exception CancelledError would not fail", {"exception": asyncio.CancelledError}),
            (TypeError, "exception CancelledError would not fail", {"exception": asyncio.CancelledError()}),
            (TypeError, "header X-A has the value None", {"headers": {"X-A": None}}),
            (TypeError, "body of type int", {"body": 123}),
            (TypeError, "body of type dict .* use register_json_uri", {"body": {"a": 1}}),
            (TypeError, "body of type object", {"body": object()}),
            (TypeError, "the bytes pattern b'http", {"uri": re.compile(b"http://api.test/.*")}),
        ]
        for error, message, options in cases:
            uri = options.pop("uri", "http://api.test/x")
            with self.subTest(message), self.refused(error, message):
                self.register_uri("GET", uri, **options)
        await self.assert_still_answering()


class HugeBodyTest(_HostileTest):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # Debug mode records a traceback for every callback: far too slow for 1,600 chunks.
        asyncio.get_running_loop().set_debug(False)

    @contextmanager
    def peak_memory(self) -> Iterator[list[int]]:
        peak: list[int] = []
        tracemalloc.start()
        try:
            yield peak
            peak.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()

    async def test_100_mb_streamed_response_read_in_chunks_stays_small_in_memory(self):
        async def generated() -> AsyncIterator[bytes]:
            for number in range(100):
                yield bytes([number]) * MB

        class Stream:
            def __init__(self) -> None:
                self.left = HUGE

            async def read(self, n: int = -1) -> bytes:
                size = min(self.left, MB if n < 0 else n)
                self.left -= size
                return b"s" * size

        expected = hashlib.sha256()
        for number in range(100):
            expected.update(bytes([number]) * MB)
        self.register_uri("GET", "http://api.test/generated", body=generated())
        self.register_uri("GET", "http://api.test/stream", body=Stream())
        for url in ("http://api.test/generated", "http://api.test/stream"):
            with self.subTest(url), self.peak_memory() as peak:
                digest, total = hashlib.sha256(), 0
                async with self.session.get(url) as response:
                    async for chunk in response.content.iter_chunked(MB):
                        digest.update(chunk)
                        total += len(chunk)
                self.assertEqual(total, HUGE)
                if url.endswith("generated"):
                    self.assertEqual(digest.hexdigest(), expected.hexdigest())
            self.assertLess(peak[0], 16 * MB, f"peak {peak[0] / MB:.1f} MB while streaming 100 MB")

    async def test_100_mb_streamed_request_body_arrives_whole(self):
        expected = hashlib.sha256()
        for number in range(100):
            expected.update(bytes([number]) * MB)

        async def upload() -> AsyncIterator[bytes]:
            for number in range(100):
                yield bytes([number]) * MB

        route = self.register_uri("POST", "http://api.test/upload", status=201)
        with self.peak_memory() as peak:
            self.assertEqual(await self.fetch("POST", "http://api.test/upload", data=upload()), (201, b""))
        body = route.calls[0].body
        self.assertEqual(len(body), HUGE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), expected.hexdigest())
        # The recorded call holds the body (that is what call.body is for); the
        # reading of it must not cost more than one more copy on the way.
        self.assertLess(peak[0], 2.5 * HUGE, f"peak {peak[0] / MB:.1f} MB for a 100 MB request body")


class RaisingBodyTest(_HostileTest):
    """A registered body that raises while being sent makes the client's read fail
    with an error that names the cause; never a silently truncated body."""

    async def assert_read_fails_naming(self, url: str, cause: str) -> None:
        with self.assertRaises(aiohttp.ClientError) as caught:
            await self.fetch("GET", url)
        chain, error = [], caught.exception
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            chain.append(f"{type(current).__name__}: {current}")
            current = current.__cause__ or current.__context__
        self.assertIn(cause, "\n".join(chain))

    @staticmethod
    async def failing_generator() -> AsyncIterator[bytes]:
        yield b"partial "
        raise RuntimeError("the body generator broke")

    async def test_async_iterator_raising_mid_body(self):
        # Without Content-Length or chunked framing, the body is read until EOF: the
        # break must still surface, never as a silently truncated b"partial ".
        self.register_uri("GET", "http://api.test/gen", body=self.failing_generator())
        await self.assert_read_fails_naming("http://api.test/gen", "the body generator broke")
        await self.assert_still_answering()

    async def test_async_iterator_raising_mid_body_with_chunked_framing(self):
        # aiohttp's ClientPayloadError, with the generator's error in its context.
        self.register_uri(
            "GET",
            "http://api.test/chunked",
            body=self.failing_generator(),
            headers={"Transfer-Encoding": "chunked"},
        )
        await self.assert_read_fails_naming("http://api.test/chunked", "the body generator broke")

    async def test_async_iterator_raising_mid_body_with_content_length(self):
        self.register_uri(
            "GET", "http://api.test/length", body=self.failing_generator(), headers={"Content-Length": "100"}
        )
        await self.assert_read_fails_naming("http://api.test/length", "the body generator broke")

    async def test_stream_whose_read_raises(self):
        class Broken:
            async def read(self, n: int = -1) -> bytes:
                raise OSError("the disk went away")

        self.register_uri("GET", "http://api.test/auto", body=Broken(), auto_length=True)
        await self.assert_read_fails_naming("http://api.test/auto", "the disk went away")
        # Without auto_length the head is already sent when read() raises.
        self.register_uri("GET", "http://api.test/stream", body=Broken())
        await self.assert_read_fails_naming("http://api.test/stream", "the disk went away")
        await self.assert_still_answering()

    async def test_async_iterator_yielding_a_non_bytes_chunk(self):
        async def odd() -> AsyncIterator[Any]:
            yield b"ok"
            yield 42

        self.register_uri("GET", "http://api.test/odd", body=odd(), headers={"Transfer-Encoding": "chunked"})
        await self.assert_read_fails_naming("http://api.test/odd", "a streamed body yielded int")
        # A mistake of the registration: it also fails the test when it ends.
        self.assertEqual(
            [m.describe() for m in self.aiohttpretty.mistakes],
            [
                "GET http://api.test/odd (route GET http://api.test/odd): TypeError: "
                "a streamed body yielded int (42), not bytes or str"
            ],
        )
        self.aiohttpretty.mistakes.clear()

    async def test_callback_and_match_predicate_raising(self):
        def broken_callback(call: aiohttpretty.Call) -> dict[str, Any]:
            raise LookupError("callback broke")

        def broken_predicate(call: aiohttpretty.Call) -> bool:
            raise LookupError("predicate broke")

        self.register_uri("GET", "http://api.test/cb", callback=broken_callback)
        self.register_uri("GET", "http://api.test/pred", match=broken_predicate)
        before = self.snapshot()
        for url, message in [
            ("http://api.test/cb", "callback broke"),
            ("http://api.test/pred", "predicate broke"),
        ]:
            with self.subTest(url), self.assertRaisesRegex(LookupError, message):
                await self.fetch("GET", url)
        self.assertEqual(self.snapshot(), before)
        await self.assert_still_answering()

    async def test_request_body_raising_while_aiohttp_reads_it(self):
        async def upload() -> AsyncIterator[bytes]:
            yield b"partial"
            raise RuntimeError("the upload generator broke")

        class BrokenFile(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, buffer: Any) -> int:
                raise OSError("the upload file broke")

        self.register_uri("POST", "http://api.test/upload")
        before = self.snapshot()
        for data, message in [
            (upload(), "the upload generator broke"),
            (BrokenFile(), "the upload file broke"),
        ]:
            with self.subTest(message):
                with self.assertRaises(aiohttp.ClientError) as caught:
                    await self.fetch("POST", "http://api.test/upload", data=data)
                self.assertIn(message, repr(caught.exception.__cause__))
        # The request never arrived whole: nothing recorded, nothing refused.
        self.assertEqual((len(self.calls), len(self.aiohttpretty.unmatched)), (0, 0))
        self.assertEqual(self.snapshot(), before)
        await self.assert_still_answering()


if __name__ == "__main__":
    unittest.main()

"""aiohttpretty.aioresponses: aioresponses' API on the mock, every request going
through aiohttp's own client code.  Plain unittest, runnable without pytest.

The mocked tests run under the network guard: nothing they do may reach for
the network.  The passthrough tests talk to a real aiohttp server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from yarl import URL

import aiohttpretty
from aiohttpretty import _hooks
from aiohttpretty.aioresponses import (
    CallbackResult,
    RequestCall,
    RequestMatch,
    UnmatchedRequest,
    aioresponses,
    merge_params,
    normalize_url,
)

from .netguard import GuardedTestMixin
from .realserver import start_real_server

# aiohttp's own ClientSession._request, before any mock patched it.
ORIGINAL_REQUEST = aiohttp.ClientSession.__dict__["_request"]
URL_ = "http://example.com/api?foo=bar#fragment"


def run_tests(case: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert isinstance(result, unittest.TestResult)
    return result


def problems(result: unittest.TestResult) -> dict[str, list[tuple[str, str]]]:
    """Test method name -> its reported problems, as ``(kind, traceback text)``."""
    found: dict[str, list[tuple[str, str]]] = {}
    for kind, entries in (("failure", result.failures), ("error", result.errors)):
        for test, text in entries:
            found.setdefault(test._testMethodName, []).append((kind, text))  # type: ignore[attr-defined]
    return found


class SessionTestCase(GuardedTestMixin, unittest.IsolatedAsyncioTestCase):
    """A session per test, closed after it; nothing may reach for the network."""

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.session = aiohttp.ClientSession()
        self.addAsyncCleanup(self.session.close)

    def tearDown(self) -> None:
        super().tearDown()
        self.assertIs(aiohttp.ClientSession.__dict__["_request"], ORIGINAL_REQUEST, "aiohttp is not restored")


class ResponseTest(SessionTestCase):
    """The options that describe a response, through aiohttp's parser."""

    async def test_defaults_status_200_an_empty_json_typed_body_and_the_standard_reason(self):
        with aioresponses() as m:
            m.get(URL_)
            response = await self.session.get(URL_)
            self.assertIsInstance(response, aiohttp.ClientResponse)
            self.assertEqual((response.status, response.reason), (200, "OK"))
            self.assertEqual(response.headers["Content-Type"], "application/json")
            self.assertEqual(await response.read(), b"")

    async def test_status_body_and_reason(self):
        with aioresponses() as m:
            m.get("http://api.test/str", status=201, body="text é")
            m.get("http://api.test/bytes", status=404, body=b"\x00\x95\xff")
            m.get("http://api.test/reason", status=418, reason="Short and stout")
            response = await self.session.get("http://api.test/str")
            self.assertEqual((response.status, response.reason), (201, "Created"))
            self.assertEqual(await response.text(), "text é")
            response = await self.session.get("http://api.test/bytes")
            self.assertEqual((response.status, response.reason), (404, "Not Found"))
            self.assertEqual(await response.read(), b"\x00\x95\xff")
            response = await self.session.get("http://api.test/reason")
            self.assertEqual((response.status, response.reason), (418, "Short and stout"))

    async def test_payload_is_sent_as_json_and_wins_over_body(self):
        with aioresponses() as m:
            m.post("http://api.test/x", payload={"spam": ["eggs", 1]}, body="ignored")
            response = await self.session.post("http://api.test/x")
            self.assertEqual(await response.json(), {"spam": ["eggs", 1]})
            self.assertEqual(await response.text(), json.dumps({"spam": ["eggs", 1]}))

    async def test_content_type_then_headers_exactly_as_registered_on_the_wire(self):
        with aioresponses() as m:
            m.get(URL_, content_type="text/html", headers={"Connection": "keep-alive", "X-One": "1"})
            response = await self.session.get(URL_)
            self.assertEqual(
                response.raw_headers,
                ((b"Content-Type", b"text/html"), (b"Connection", b"keep-alive"), (b"X-One", b"1")),
            )
            self.assertIsNone(response.content_length)  # as aioresponses: no Content-Length

    async def test_headers_replace_the_content_type_and_keep_repeated_names(self):
        with aioresponses() as m:
            headers = CIMultiDict([("content-type", "text/plain"), ("X-Many", "a"), ("X-Many", "b")])
            m.get(URL_, content_type="text/html", headers=headers)
            response = await self.session.get(URL_)
            self.assertEqual(response.headers.getall("Content-Type"), ["text/plain"])
            self.assertEqual(response.headers.getall("x-many"), ["a", "b"])
            m.get("http://api.test/pairs", headers=[("X-Pair", "1"), ("X-Pair", "2")])
            response = await self.session.get("http://api.test/pairs")
            self.assertEqual(response.headers.getall("X-Pair"), ["1", "2"])

    async def test_set_cookie_reaches_the_response_and_the_session_jar(self):
        with aioresponses() as m:
            m.get("http://api.test/login", headers={"Set-Cookie": "token=abc; Path=/"})
            m.get("http://api.test/me")
            response = await self.session.get("http://api.test/login")
            self.assertEqual(response.cookies["token"].value, "abc")
            await self.session.get("http://api.test/me")
            assert m.aiohttpretty is not None
            self.assertEqual(m.aiohttpretty.calls[-1].headers["Cookie"], "token=abc")

    async def test_the_body_streams_through_aiohttp(self):
        with aioresponses() as m:
            m.get(URL_, body="Test")
            response = await self.session.get(URL_)
            self.assertEqual(await response.content.read(2), b"Te")
            self.assertEqual(await response.content.read(2), b"st")
            self.assertEqual(await response.content.read(), b"")

    async def test_a_large_body_arrives_whole(self):
        body = bytes(range(256)) * 4096  # 1 MiB, sent in several pieces
        with aioresponses() as m:
            m.get("http://api.test/big", body=body)
            async with self.session.get("http://api.test/big") as response:
                chunks = [chunk async for chunk in response.content.iter_chunked(65536)]
            self.assertEqual(b"".join(chunks), body)

    async def test_head_204_and_304_have_no_body_as_over_http(self):
        with aioresponses() as m:
            m.head("http://api.test/x", body="ignored")
            m.delete("http://api.test/x", status=204, payload={})
            response = await self.session.head("http://api.test/x")
            self.assertEqual((response.status, await response.read()), (200, b""))
            response = await self.session.delete("http://api.test/x")
            self.assertEqual((response.status, await response.read()), (204, b""))

    async def test_response_class(self):
        class Custom(aiohttp.ClientResponse):
            async def shout(self) -> str:
                return (await self.text()).upper()

        with aioresponses() as m:
            m.get("http://api.test/x", body="hello", response_class=Custom)
            m.get("http://api.test/y", body="plain")
            response = await self.session.get("http://api.test/x")
            self.assertIsInstance(response, Custom)
            self.assertEqual(await response.shout(), "HELLO")
            self.assertIs(type(await self.session.get("http://api.test/y")), aiohttp.ClientResponse)

    async def test_response_class_that_is_not_a_client_response_is_a_type_error(self):
        with aioresponses() as m:
            m.get("http://api.test/x", response_class=dict)  # type: ignore[arg-type]
            with self.assertRaisesRegex(TypeError, "response_class must be a subclass"):
                await self.session.get("http://api.test/x")

    async def test_method_and_request_info_read_as_aioresponses_built_them(self):
        with aioresponses() as m:
            m.get(URL_)
            response = await self.session.get(URL_, headers={"Authorization": "Bearer t"})
            self.assertEqual(response.method, "get")
            self.assertEqual(response.request_info.method, "get")
            self.assertEqual(str(response.request_info.url), URL_)
            self.assertEqual(dict(response.request_info.headers), {"Authorization": "Bearer t"})
            # What aiohttp really sent is recorded on the wire.
            assert m.aiohttpretty is not None
            sent = m.aiohttpretty.calls[-1]
            self.assertEqual(sent.method, "GET")
            self.assertEqual(sent.headers["Authorization"], "Bearer t")
            self.assertIn("User-Agent", sent.headers)

    async def test_raise_for_status_is_aiohttps(self):
        with aioresponses() as m:
            m.get(URL_, status=400, repeat=True)
            response = await self.session.get(URL_)
            with self.assertRaises(aiohttp.ClientResponseError) as caught:
                response.raise_for_status()
            self.assertEqual((caught.exception.status, caught.exception.message), (400, "Bad Request"))
            with self.assertRaises(aiohttp.ClientResponseError):
                await self.session.get(URL_, raise_for_status=True)
            async with aiohttp.ClientSession(raise_for_status=True) as session:
                with self.assertRaises(aiohttp.ClientResponseError):
                    await session.get(URL_)
                self.assertEqual((await session.get(URL_, raise_for_status=False)).status, 400)

    async def test_base_url_and_session_headers(self):
        with aioresponses() as m:
            m.get(URL_)
            async with aiohttp.ClientSession(base_url="http://example.com", headers={"X-S": "s"}) as session:
                response = await session.get("/api?foo=bar#fragment", headers={"X-R": "r"})
            self.assertEqual(response.status, 200)
            request = m.requests[("GET", URL(URL_))][0]
            self.assertEqual(dict(request.kwargs["headers"]), {"X-S": "s", "X-R": "r"})


class MatchingTest(SessionTestCase):
    """Which route answers, as aioresponses chooses it."""

    async def test_url_as_str_or_yarl_url_query_order_does_not_matter(self):
        with aioresponses() as m:
            m.get(URL("http://api.test/x?b=2&a=1"), body="one")
            m.get("http://api.test/x?a=1&b=2", body="two")
            self.assertEqual(await (await self.session.get("http://api.test/x?a=1&b=2")).text(), "one")
            self.assertEqual(await (await self.session.get(URL("http://api.test/x?b=2&a=1"))).text(), "two")

    async def test_the_method_must_match(self):
        with aioresponses() as m:
            m.get(URL_)
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.post(URL_)
            self.assertEqual((await self.session.get(URL_)).status, 200)

    async def test_any_method_add_and_every_shortcut(self):
        shortcuts = ("head", "get", "post", "put", "patch", "delete", "options")
        with aioresponses() as m:
            for name in shortcuts:
                getattr(m, name)(f"http://api.test/{name}", status=201)
            m.add("http://api.test/propfind", method="PROPFIND", status=207)
            for name in shortcuts:
                response = await self.session.request(name.upper(), f"http://api.test/{name}")
                self.assertEqual(response.status, 201, name)
            response = await self.session.request("PROPFIND", "http://api.test/propfind")
            self.assertEqual(response.status, 207)
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.request("MKCOL", "http://api.test/propfind")

    async def test_params_are_merged_into_the_url(self):
        with aioresponses() as m:
            m.get("http://example.com/api?foo=bar&x=42#fragment")
            m.get("http://example.com/api?x=42")
            response = await self.session.get(URL_, params={"x": 42})
            self.assertEqual(response.status, 200)
            response = await self.session.get("http://example.com/api", params=[("x", "42")])
            self.assertEqual(response.status, 200)
            self.assertEqual(
                sorted(m.requests),
                [
                    ("GET", URL("http://example.com/api?foo=bar&x=42#fragment")),
                    ("GET", URL("http://example.com/api?x=42")),
                ],
            )

    async def test_a_pattern_matches_the_url_with_its_query_sorted(self):
        with aioresponses() as m:
            m.get(re.compile(r"^http://example\.com/api\?a=1&b=2$"), body="sorted")
            m.get(re.compile(r"^http://example\.com/api\?foo=.*$"), repeat=True)
            m.get(re.compile(r"^http://exampleexample\.com/"))
            self.assertEqual(
                await (await self.session.get("http://example.com/api?b=2&a=1")).text(), "sorted"
            )
            self.assertEqual((await self.session.get(URL_)).status, 200)
            self.assertEqual((await self.session.get("http://example.com/api?foo=other")).status, 200)
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get("http://example.com/other")

    async def test_the_first_route_added_answers_once_then_the_next(self):
        with aioresponses() as m:
            m.get(URL_, status=500)
            m.get(URL_, status=200)
            statuses = [(await self.session.get(URL_)).status for _ in range(2)]
            self.assertEqual(statuses, [500, 200])
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get(URL_)

    async def test_repeat_a_count_or_always(self):
        with aioresponses() as m:
            m.get(URL_, status=500, repeat=2)
            m.get(URL_, status=201, repeat=1)
            m.get(URL_, status=200, repeat=True)
            statuses = [(await self.session.get(URL_)).status for _ in range(6)]
            self.assertEqual(statuses, [500, 500, 201, 200, 200, 200])

    async def test_exceptions_reach_the_caller_exactly_as_given(self):
        instance = ValueError("oops")
        cases: list[tuple[Any, type[BaseException]]] = [
            (Exception, Exception),
            (instance, ValueError),
            (HttpProcessingError(message="foo"), HttpProcessingError),  # aiohttp: ClientResponseError
            (ConnectionResetError("reset"), ConnectionResetError),  # aiohttp: ClientOSError
            (asyncio.CancelledError, asyncio.CancelledError),  # aiohttp: TimeoutError
            (asyncio.TimeoutError, asyncio.TimeoutError),
            (aiohttp.ServerDisconnectedError(), aiohttp.ServerDisconnectedError),  # aiohttp: retried once
            (BaseException, BaseException),
        ]
        with aioresponses() as m:
            for number, (exception, _) in enumerate(cases):
                m.get(f"http://api.test/{number}", exception=exception)
            for number, (_, expected) in enumerate(cases):
                with self.subTest(expected=expected.__name__):
                    with self.assertRaises(expected) as caught:
                        await self.session.get(f"http://api.test/{number}")
                    self.assertIs(type(caught.exception), expected)
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get("http://api.test/again")  # not registered: refused
            assert m.aiohttpretty is not None
            self.assertEqual(len(m.aiohttpretty.calls), len(cases))  # each sent once, on the wire

    async def test_exceptions_in_the_middle_of_responses(self):
        with aioresponses() as m:
            m.get(URL_, status=204)
            m.get(URL_, exception=ValueError("oops"))
            m.get(URL_, status=200)
            self.assertEqual((await self.session.get(URL_)).status, 204)
            with self.assertRaisesRegex(ValueError, "oops"):
                await self.session.get(URL_)
            self.assertEqual((await self.session.get(URL_)).status, 200)

    async def test_timeout(self):
        with aioresponses() as m:
            m.get(URL_, timeout=True)
            with self.assertRaisesRegex(asyncio.TimeoutError, "Connection timeout test"):
                await self.session.get(URL_)

    async def test_sync_callback_gets_the_url_and_the_arguments(self):
        seen: list[tuple[URL, dict[str, Any]]] = []

        def callback(url: URL, **kwargs: Any) -> CallbackResult:
            seen.append((url, kwargs))
            return CallbackResult(status=418, body=b"\x00teapot", headers={"X-Cb": "1"}, reason="Teapot")

        with aioresponses() as m:
            m.post(URL_, callback=callback)
            response = await self.session.post(URL_, json={"a": 1}, headers={"X-H": "h"})
            self.assertEqual((response.status, response.reason), (418, "Teapot"))
            self.assertEqual(await response.read(), b"\x00teapot")
            self.assertEqual(response.headers["X-Cb"], "1")
            self.assertEqual(response.headers["Content-Type"], "application/json")
            self.assertEqual(response.method, "GET")  # CallbackResult's method, as aioresponses
        self.assertEqual(
            seen,
            [(URL(URL_), {"allow_redirects": True, "data": None, "json": {"a": 1}, "headers": {"X-H": "h"}})],
        )

    async def test_async_callback_payload_content_type_and_response_class(self):
        class Custom(aiohttp.ClientResponse):
            pass

        started, go = asyncio.Event(), asyncio.Event()

        async def callback(url: URL, **kwargs: Any) -> CallbackResult:
            started.set()
            await go.wait()
            return CallbackResult(
                payload={"n": 1}, content_type="application/vnd+json", response_class=Custom
            )

        with aioresponses() as m:
            m.get(URL_, callback=callback)
            request = asyncio.ensure_future(self.session.get(URL_))
            await started.wait()
            self.assertFalse(request.done())
            go.set()
            response = await request
            self.assertIsInstance(response, Custom)
            self.assertEqual(response.headers["Content-Type"], "application/vnd+json")
            self.assertEqual(await response.json(content_type=None), {"n": 1})

    async def test_a_callback_returning_none_sends_the_routes_response(self):
        calls: list[URL] = []
        with aioresponses() as m:
            m.get(URL_, status=202, body="route", callback=lambda url, **_: calls.append(url))
            response = await self.session.get(URL_)
            self.assertEqual((response.status, await response.text()), (202, "route"))
        self.assertEqual(calls, [URL(URL_)])

    async def test_a_callback_runs_before_the_routes_exception(self):
        called = asyncio.Event()
        with aioresponses() as m:
            m.get(URL_, exception=HttpProcessingError(message="foo"), callback=lambda *_, **__: called.set())
            with self.assertRaises(HttpProcessingError):
                await self.session.get(URL_)
        self.assertTrue(called.is_set())

    async def test_a_callbacks_own_error_reaches_the_caller(self):
        def callback(url: URL, **kwargs: Any) -> None:
            raise KeyError("inside the callback")

        with aioresponses() as m:
            m.get(URL_, callback=callback)
            with self.assertRaisesRegex(KeyError, "inside the callback"):
                await self.session.get(URL_)

    async def test_a_body_that_is_not_text_or_bytes_is_a_type_error(self):
        with aioresponses() as m:
            m.get(URL_, body={"not": "bytes"})  # type: ignore[arg-type]
            with self.assertRaisesRegex(TypeError, "body must be str or bytes"):
                await self.session.get(URL_)

    async def test_concurrent_requests_with_slow_callbacks(self):
        async def slow(url: URL, **kwargs: Any) -> CallbackResult:
            await asyncio.sleep(0.001 * (20 - int(url.path.rsplit("-", 1)[1])))
            return CallbackResult(body=url.path)

        with aioresponses() as m:
            for number in range(20):
                m.get(f"http://example.org/id-{number}", callback=slow)
            responses = await asyncio.gather(
                *(self.session.get(f"http://example.org/id-{n}") for n in range(20))
            )
            self.assertEqual([await r.text() for r in responses], [f"/id-{n}" for n in range(20)])
            self.assertEqual(len(m.requests), 20)


class RecordingTest(SessionTestCase):
    """``m.requests``: one entry per call of the session, as aioresponses keeps it."""

    async def test_each_call_is_recorded_with_its_arguments_deep_copied(self):
        with aioresponses() as m:
            m.get(URL_, repeat=True)
            sent = [1]
            await self.session.get(URL_, json=sent)
            sent[:] = [2]
            await self.session.get(URL_, json=sent)
            self.assertEqual(list(m.requests), [("GET", URL(URL_))])
            self.assertEqual(
                m.requests[("GET", URL(URL_))],
                [
                    RequestCall((), {"allow_redirects": True, "json": [1]}),
                    RequestCall((), {"allow_redirects": True, "json": [2]}),
                ],
            )

    async def test_post_records_data_none_and_the_method_as_passed(self):
        with aioresponses() as m:
            m.post(URL_)
            m.get(URL_)
            await self.session.post(URL_)
            await self.session.request("get", URL_)
            self.assertEqual(
                m.requests[("POST", URL(URL_))][0].kwargs, {"allow_redirects": True, "data": None}
            )
            self.assertIn(("get", URL(URL_)), m.requests)

    async def test_arguments_that_cannot_be_copied_are_kept_as_passed(self):
        def lines():
            yield "header1,header2\n"
            yield b"v1,v2\n"

        generator = lines()
        with aioresponses() as m:
            m.get(URL_)
            response = await self.session.get(URL_, data=generator)
            self.assertEqual(response.status, 200)
            self.assertIs(m.requests[("GET", URL(URL_))][0].kwargs["data"], generator)
            # aiohttp itself refuses a generator: it was sent as a chunked body of its lines.
            assert m.aiohttpretty is not None
            self.assertEqual(m.aiohttpretty.calls[0].body, b"header1,header2\nv1,v2\n")

    async def test_an_async_generator_body_is_read_first_and_recorded_as_bytes(self):
        async def chunks():
            yield b"foo"
            yield b"bar"

        with aioresponses() as m:
            m.post(URL_)
            await self.session.post(URL_, data=chunks())
            self.assertEqual(m.requests[("POST", URL(URL_))][0].kwargs["data"], b"foobar")
            assert m.aiohttpretty is not None
            self.assertEqual(m.aiohttpretty.calls[0].body, b"foobar")
            self.assertEqual(m.aiohttpretty.calls[0].headers["Transfer-Encoding"], "chunked")

    async def test_an_async_generators_error_is_raised_as_it_is(self):
        async def broken():
            yield b"foo"
            raise RuntimeError("never awaited")

        with aioresponses() as m:
            m.post(URL_)
            with self.assertRaisesRegex(RuntimeError, "never awaited"):
                await self.session.post(URL_, data=broken())
            assert m.aiohttpretty is not None
            self.assertEqual(m.aiohttpretty.calls, [])  # nothing was sent

    async def test_refused_and_failed_requests_are_recorded_too(self):
        with aioresponses() as m:
            m.get("http://api.test/fails", exception=ValueError("oops"))
            with self.assertRaises(ValueError):
                await self.session.get("http://api.test/fails", json=[42])
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get("http://api.test/nothing")
            self.assertEqual(
                m.requests[("GET", URL("http://api.test/fails"))],
                [RequestCall((), {"allow_redirects": True, "json": [42]})],
            )
            self.assertEqual(
                m.requests[("GET", URL("http://api.test/nothing"))],
                [RequestCall((), {"allow_redirects": True})],
            )

    async def test_a_redirect_is_one_call_of_the_session(self):
        with aioresponses() as m:
            m.get("http://api.test/old", status=302, headers={"Location": "/new"})
            m.get("http://api.test/new", body="moved")
            response = await self.session.get("http://api.test/old")
            self.assertEqual(await response.text(), "moved")
            self.assertEqual(list(m.requests), [("GET", URL("http://api.test/old"))])
            m.assert_called_once()
            assert m.aiohttpretty is not None
            self.assertEqual(
                [str(call.url) for call in m.aiohttpretty.calls],
                ["http://api.test/old", "http://api.test/new"],
            )

    async def test_requests_stay_after_stop_and_routes_do_not(self):
        m = aioresponses()
        with m:
            m.get(URL_)
            m.get("http://api.test/unused")
            await self.session.get(URL_)
        self.assertEqual(list(m.requests), [("GET", URL(URL_))])
        self.assertEqual(m._matches, {})
        m.assert_called_once_with(URL_)
        with m:
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.session.get("http://api.test/unused")
        self.assertEqual(len(m.requests), 2)

    async def test_a_closed_session_raises_before_anything_is_recorded(self):
        with aioresponses() as m:
            m.get(URL_)
            request = self.session.get(URL_)
            await self.session.close()
            with self.assertRaisesRegex(RuntimeError, "Session is closed"):
                await request
            self.assertEqual(m.requests, {})


class AssertionsTest(SessionTestCase):
    """The assertions, with aioresponses' messages."""

    async def test_assert_called_and_not_called(self):
        with aioresponses() as m:
            m.get(URL_)
            m.assert_not_called()
            with self.assertRaisesRegex(AssertionError, r"^Expected 'aioresponses' to have been called\.$"):
                m.assert_called()
            await self.session.get(URL_)
            m.assert_called()
            with self.assertRaisesRegex(
                AssertionError, r"^Expected 'aioresponses' to not have been called\. Called 1 times\.$"
            ):
                m.assert_not_called()

    async def test_assert_called_once(self):
        with aioresponses() as m:
            m.get(URL_, repeat=True)
            m.get("http://api.test/other")
            with self.assertRaisesRegex(
                AssertionError, r"^Expected 'aioresponses' to have been called once\. Called 0 times\.$"
            ):
                m.assert_called_once()
            await self.session.get(URL_)
            m.assert_called_once()
            await self.session.get(URL_)
            with self.assertRaisesRegex(AssertionError, "Called 2 times"):
                m.assert_called_once()
            await self.session.get("http://api.test/other")
            with self.assertRaisesRegex(AssertionError, "Called 2 times"):  # two URLs
                m.assert_called_once()

    async def test_assert_called_with_compares_the_last_call(self):
        with aioresponses() as m:
            m.post(URL_, repeat=True)
            await self.session.post(URL_, data={"spam": "eggs"}, headers={"User-Agent": "first"})
            await self.session.post(URL_, data={"spam": "eggs"}, headers={"User-Agent": "ua"})
            m.assert_called_with(URL_, method="POST", data={"spam": "eggs"}, headers={"User-Agent": "ua"})
            with self.assertRaises(AssertionError) as caught:
                m.assert_called_with(URL_, method="POST", data={"spam": "ham"}, headers={"User-Agent": "ua"})
            actual, expected = str(caught.exception).split(" != ")
            self.assertRegex(
                actual, r"^aioresponses\(RequestCall\(args=\(\), kwargs=\{.*'spam': 'eggs'.*\}\)\)$"
            )
            self.assertRegex(
                expected, r"^aioresponses\(RequestCall\(args=\(\), kwargs=\{.*'spam': 'ham'.*\}\)\)$"
            )
            with self.assertRaises(AssertionError) as caught:
                m.assert_called_with("http://httpbin.org/", method="POST")
            self.assertEqual(
                str(caught.exception),
                "aioresponses(URL('http://httpbin.org/'), method='POST') call not found",
            )
            # params= is merged into the URL of the key, and compared as an argument.
            await self.session.post("http://example.com/api#fragment", params={"foo": "bar"}, json=[1])
            m.assert_called_with("http://example.com/api#fragment", "post", params={"foo": "bar"}, json=[1])
            with self.assertRaises(AssertionError):
                m.assert_called_with(URL_, "POST", json=[1])

    async def test_assert_called_with_args_to_match(self):
        with aioresponses() as m:
            m.post(URL_)
            await self.session.post(URL_, data={"spam": "eggs"}, headers={"User-Agent": "ua"})
            m.assert_called_with(
                URL_, "POST", ["data"], data={"spam": "eggs"}, headers={"User-Agent": "other"}
            )
            m.assert_called_with(URL_, method="POST", args_to_match=[])
            m.assert_called_with(URL_, method="POST", args_to_match=["headers"], headers={"User-Agent": "ua"})
            for names in (["data"], ["data", "headers", "body"], ["headers"]):
                with self.subTest(names=names), self.assertRaises(AssertionError):
                    m.assert_called_with(URL_, method="POST", args_to_match=names, data={"x": 1}, headers={})

    async def test_assert_called_once_with(self):
        with aioresponses() as m:
            m.get(URL_, repeat=True)
            await self.session.get(URL_)
            m.assert_called_once_with(URL_)
            with self.assertRaisesRegex(AssertionError, "call not found"):
                m.assert_called_once_with("http://foo.bar")
            await self.session.get(URL_)
            with self.assertRaisesRegex(AssertionError, "Called 2 times"):
                m.assert_called_once_with(URL_)

    async def test_assert_any_call(self):
        with aioresponses() as m:
            m.get(URL_)
            m.get("http://httpbin.org")
            await self.session.get(URL_, json=[1])
            await self.session.get("http://httpbin.org")
            m.assert_any_call(URL_)
            m.assert_any_call("http://httpbin.org/", json="not compared, as in aioresponses")
            m.assert_any_call("http://example.com/api#fragment", params={"foo": "bar"})
            with self.assertRaises(AssertionError) as caught:
                m.assert_any_call("http://example.com/api", method="POST")
            self.assertEqual(
                str(caught.exception),
                "aioresponses(URL('http://example.com/api'), method='POST') call not found",
            )


class UnmatchedTest(SessionTestCase):
    """A request no route matches: aioresponses' error, and our refusal."""

    async def test_the_error_and_its_message(self):
        with aioresponses() as m:
            m.get("http://api.test/registered")
            with self.assertRaises(aiohttp.ClientConnectionError) as caught:
                await self.session.get("http://api.test/x?b=2&a=1#frag", params={"c": "3"})
            self.assertEqual(
                str(caught.exception), "Connection refused: GET http://api.test/x?a=1&b=2&c=3#frag"
            )
            self.assertIsInstance(caught.exception, UnmatchedRequest)
            self.assertIsInstance(caught.exception, aiohttpretty.NoRouteMatched)
            assert m.aiohttpretty is not None
            refused = caught.exception.call
            self.assertEqual(m.aiohttpretty.unmatched, [refused])
            self.assertEqual(m.aiohttpretty.calls, [])
            assert refused is not None
            self.assertEqual((refused.method, str(refused.url)), ("GET", "http://api.test/x?b=2&a=1&c=3"))

    async def test_a_redirect_without_route_names_the_request_the_code_made(self):
        with aioresponses() as m:
            m.get("http://10.1.1.1:8080/redirect", status=307, headers={"Location": "https://httpbin.org"})
            with self.assertRaises(aiohttp.ClientConnectionError) as caught:
                await self.session.get("http://10.1.1.1:8080/redirect")
            self.assertEqual(str(caught.exception), "Connection refused: GET http://10.1.1.1:8080/redirect")
            refused = caught.exception.call  # type: ignore[attr-defined]
            self.assertEqual(str(refused.url), "https://httpbin.org/")

    async def test_the_error_is_explained_in_notes(self):
        with aioresponses() as m:
            m.post("http://api.test/x")
            with self.assertRaises(UnmatchedRequest) as caught:
                await self.session.get("http://api.test/x")
        notes = getattr(caught.exception, "__notes__", None)
        if notes is not None:  # Python 3.11+
            self.assertEqual(
                notes, ["refused on the wire: GET http://api.test/x", "route left: POST http://api.test/x"]
            )

    def test_a_strict_test_fails_at_teardown_when_the_code_swallowed_the_error(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def request(self, url: str) -> None:
                async with aiohttp.ClientSession() as session:
                    await session.get(url)

            async def test_swallowed(self):
                with aioresponses() as m:
                    m.get("http://api.test/a")
                    try:
                        await self.request("http://api.test/swallowed")
                    except aiohttp.ClientError:
                        pass

            async def test_expected(self):
                with aioresponses():
                    with self.assertRaises(aiohttp.ClientConnectionError):
                        await self.request("http://api.test/expected")

            async def test_uncaught(self):
                with aioresponses():
                    await self.request("http://api.test/uncaught")

            async def test_matched(self):
                with aioresponses() as m:
                    m.get("http://api.test/a")
                    await self.request("http://api.test/a")

        result = run_tests(Inner)
        found = problems(result)
        self.assertEqual(sorted(found), ["test_swallowed", "test_uncaught"])
        [(kind, text)] = found["test_swallowed"]
        self.assertEqual(kind, "failure")
        self.assertIn("http://api.test/swallowed", text)
        [(kind, text)] = found["test_uncaught"]  # reported once: not again at teardown
        self.assertEqual(kind, "failure")
        self.assertIn("Connection refused: GET http://api.test/uncaught", text)


class LifecycleTest(GuardedTestMixin, unittest.TestCase):
    """Context manager, decorators, start/stop, nesting; aiohttp restored after."""

    def tearDown(self) -> None:
        super().tearDown()
        self.assertIs(aiohttp.ClientSession.__dict__["_request"], ORIGINAL_REQUEST)

    async def fetch(self, url: str, method: str = "GET") -> tuple[int, str]:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, url) as response:
                return response.status, await response.text()

    def test_start_and_stop(self):
        m = aioresponses()
        self.assertIsNone(m.aiohttpretty)
        m.add("http://api.test/x", body="before start")  # aioresponses raises here; we keep it
        m.start()
        try:
            assert m.aiohttpretty is not None
            self.assertTrue(m.aiohttpretty.is_active)
            self.assertIsNot(aiohttp.ClientSession.__dict__["_request"], ORIGINAL_REQUEST)
            self.assertEqual(asyncio.run(self.fetch("http://api.test/x")), (200, "before start"))
        finally:
            m.stop()
        self.assertFalse(m.aiohttpretty.is_active)
        m.stop()  # a second stop does nothing

    def test_no_patch_of_its_own_but_a_session_observer_while_started(self):
        first, second = aioresponses(), aioresponses()
        with first, second:
            request = aiohttp.ClientSession.__dict__["_request"]
            self.assertTrue(getattr(request, "_aiohttpretty_patch", False))  # the seam's patch
            self.assertIs(request.__wrapped__, ORIGINAL_REQUEST)
            self.assertEqual(_hooks.session_observers, [first._session_request, second._session_request])
        self.assertEqual(_hooks.session_observers, [])

    def test_sync_decorator_passes_the_mock_last(self):
        seen = []

        @aioresponses()
        def decorated(first: str, m: aioresponses) -> str:
            seen.append(m)
            m.get("http://api.test/x", body=first)
            return asyncio.run(self.fetch("http://api.test/x"))[1]

        self.assertEqual(decorated("one"), "one")
        self.assertEqual(decorated("two"), "two")
        self.assertIs(seen[0], seen[1])  # one instance, started for each call
        self.assertEqual(len(seen[0].requests[("GET", URL("http://api.test/x"))]), 2)

    def test_async_decorator_and_param(self):
        @aioresponses(param="mocked")
        async def decorated(*, mocked: aioresponses) -> tuple[int, str]:
            mocked.post("http://api.test/x", status=201)
            return await self.fetch("http://api.test/x", "POST")

        self.assertTrue(asyncio.iscoroutinefunction(decorated))
        self.assertEqual(asyncio.run(decorated()), (201, ""))

    def test_decorator_with_a_wrong_param_name(self):
        @aioresponses(param="foo")
        def decorated(bar: Any) -> None:
            raise AssertionError("not called")

        with self.assertRaises(TypeError) as caught:
            decorated()
        self.assertIn("decorated() got an unexpected keyword argument 'foo'", str(caught.exception))

    def test_decorated_test_methods_sync_and_async(self):
        class Inner(unittest.IsolatedAsyncioTestCase):
            @aioresponses()
            async def test_async(self, m):
                m.get("http://api.test/x", payload={"ok": True})
                async with aiohttp.ClientSession() as session:
                    self.assertEqual(await (await session.get("http://api.test/x")).json(), {"ok": True})

            @aioresponses()
            def test_sync(self, m):
                m.get("http://api.test/x", body="sync")
                loop = asyncio.new_event_loop()
                try:

                    async def main() -> str:
                        async with aiohttp.ClientSession() as session:
                            return await (await session.get("http://api.test/x")).text()

                    self.assertEqual(loop.run_until_complete(main()), "sync")
                finally:
                    loop.close()

            @aioresponses()
            async def test_failing(self, m):
                async with aiohttp.ClientSession() as session:
                    await session.get("http://api.test/unregistered")

        result = run_tests(Inner)
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(sorted(problems(result)), ["test_failing"])

    def test_nested_the_inner_one_answers_then_the_outer_again(self):
        async def main() -> None:
            with aioresponses() as outer:
                outer.get("http://api.test/x", body="outer", repeat=True)
                self.assertEqual(await self.fetch("http://api.test/x"), (200, "outer"))
                with aioresponses() as inner:
                    inner.get("http://api.test/x", body="inner")
                    self.assertEqual(await self.fetch("http://api.test/x"), (200, "inner"))
                    with self.assertRaises(aiohttp.ClientConnectionError):
                        await self.fetch("http://api.test/x")
                self.assertEqual(await self.fetch("http://api.test/x"), (200, "outer"))
            self.assertEqual(len(outer.requests[("GET", URL("http://api.test/x"))]), 2)
            self.assertEqual(len(inner.requests[("GET", URL("http://api.test/x"))]), 2)

        asyncio.run(main())

    def test_stopped_out_of_order(self):
        first, second = aioresponses(), aioresponses()
        first.start()
        second.start()
        first.stop()
        try:
            second.get("http://api.test/x", body="second")
            self.assertEqual(asyncio.run(self.fetch("http://api.test/x")), (200, "second"))
        finally:
            second.stop()

    def test_inside_an_aiohttpretty_test_and_around_a_mocked_block(self):
        outcome: dict[str, Any] = {}

        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_both(self):
                self.register_uri("GET", "http://api.test/x", body="aiohttpretty")
                with aioresponses() as m:
                    m.get("http://api.test/x", body="aioresponses")
                    outcome["inside"] = await LifecycleTest.fetch(None, "http://api.test/x")  # type: ignore[arg-type]
                outcome["after"] = await LifecycleTest.fetch(None, "http://api.test/x")  # type: ignore[arg-type]

        result = run_tests(Inner)
        self.assertTrue(result.wasSuccessful(), problems(result))
        self.assertEqual(outcome, {"inside": (200, "aioresponses"), "after": (200, "aiohttpretty")})

    def test_unknown_options_are_type_errors(self):
        with self.assertRaises(TypeError):
            aioresponses(passthrough_unmatch=True)  # type: ignore[call-arg]
        with aioresponses() as m, self.assertRaises(TypeError):
            m.get("http://api.test/x", stauts=200)

    def test_passthrough_needs_urls_with_a_host(self):
        with self.assertRaisesRegex(ValueError, "passthrough takes URLs with a host"):
            aioresponses(passthrough=["/relative"])


class PublicNamesTest(unittest.TestCase):
    def test_the_module_offers_these_names(self):
        import aiohttpretty.aioresponses as module

        self.assertEqual(
            sorted(module.__all__),
            [
                "CallbackResult",
                "RequestCall",
                "RequestMatch",
                "UnmatchedRequest",
                "aioresponses",
                "merge_params",
                "normalize_url",
            ],
        )
        namespace: dict[str, Any] = {}
        exec("from aiohttpretty.aioresponses import *", namespace)
        self.assertIs(namespace["aioresponses"], aioresponses)
        self.assertEqual(sorted(set(namespace) - {"__builtins__"}), sorted(module.__all__))
        # Tracebacks name the error where it is imported from.
        self.assertEqual(
            f"{UnmatchedRequest.__module__}.{UnmatchedRequest.__qualname__}",
            f"{module.__name__}.UnmatchedRequest",
        )


class URLHelpersTest(unittest.TestCase):
    def test_merge_params(self):
        self.assertEqual(merge_params(URL_), URL(URL_))
        self.assertEqual(merge_params(URL_, {}), URL(URL_))
        self.assertEqual(
            merge_params(URL(URL_), {"x": 42}), URL("http://example.com/api?foo=bar&x=42#fragment")
        )
        self.assertEqual(
            merge_params("http://example.com/api?#fragment", {"x": 42}),
            URL("http://example.com/api?x=42#fragment"),
        )
        self.assertEqual(merge_params("http://a.test/?k=1", [("k", "2")]), URL("http://a.test/?k=1&k=2"))

    def test_normalize_url(self):
        self.assertEqual(
            str(normalize_url("http://a.test/api?b=2&a=1&a=0#f")), "http://a.test/api?a=0&a=1&b=2#f"
        )
        self.assertEqual(
            str(normalize_url("https://a.test/api?var=путь")),
            "https://a.test/api?var=%D0%BF%D1%83%D1%82%D1%8C",
        )

    def test_request_match(self):
        route = RequestMatch("http://a.test/x?b=2&a=1", method="POST")
        self.assertTrue(route.match("post", URL("http://a.test/x?a=1&b=2")))
        self.assertFalse(route.match("GET", URL("http://a.test/x?a=1&b=2")))
        self.assertEqual(repr(route), "RequestMatch('http://a.test/x?a=1&b=2')")
        self.assertEqual((route.reason, RequestMatch("http://a.test", status=599).reason), ("OK", ""))


class DirectTest(SessionTestCase):
    """A request that reaches the mock without ClientSession._request's wrapper
    (what it wraps is called directly) is matched as it is on the wire."""

    async def test_matched_and_refused(self):
        with aioresponses() as m:
            below = aiohttp.ClientSession.__dict__["_request"].__wrapped__
            m.get("http://api.test/x?a=1", body="direct", exception=None)
            response = await below(self.session, "GET", "http://api.test/x?a=1")
            self.assertEqual(await response.text(), "direct")
            with self.assertRaises(UnmatchedRequest) as caught:
                await below(self.session, "GET", "http://api.test/y")
            self.assertEqual(str(caught.exception), "Connection refused: GET http://api.test/y")
            m.get("http://api.test/z", exception=KeyError("raised from the wire"))
            with self.assertRaises(KeyError):
                await below(self.session, "GET", "http://api.test/z")
            self.assertEqual(m.requests, {})


class RedirectTest(SessionTestCase):
    """Redirects are followed by aiohttp; aioresponses' rule picks the routes."""

    async def test_absolute_and_relative_locations(self):
        with aioresponses() as m:
            m.get("http://10.1.1.1:8080/redirect", status=307, headers={"Location": "https://httpbin.org"})
            m.get("https://httpbin.org")
            m.get("https://httpbin.org/foo/bar", status=301, headers={"Location": "../baz"})
            m.get("https://httpbin.org/baz", body="baz")
            response = await self.session.get("http://10.1.1.1:8080/redirect")
            self.assertEqual((response.status, str(response.url)), (200, "https://httpbin.org"))
            self.assertEqual([str(r.url) for r in response.history], ["http://10.1.1.1:8080/redirect"])
            response = await self.session.get("https://httpbin.org/foo/bar")
            self.assertEqual((str(response.url), await response.text()), ("https://httpbin.org/baz", "baz"))
            self.assertEqual(response.history[0].status, 301)

    async def test_a_redirected_post_is_matched_as_get_as_aioresponses_follows_it(self):
        with aioresponses() as m:
            m.post("http://api.test/form", status=307, headers={"Location": "http://api.test/done"})
            m.get("http://api.test/done", body="done")
            response = await self.session.post("http://api.test/form", data=b"payload")
            self.assertEqual((response.status, await response.text(), response.method), (200, "done", "get"))
            assert m.aiohttpretty is not None
            final = m.aiohttpretty.calls[-1]
            self.assertEqual((final.method, final.body), ("POST", b"payload"))  # what aiohttp really sent

    async def test_no_location_or_allow_redirects_false_gives_the_redirect(self):
        with aioresponses() as m:
            m.get(URL_, status=307)
            m.get("http://api.test/r", status=302, headers={"Location": "http://api.test/elsewhere"})
            response = await self.session.get(URL_)
            self.assertEqual((response.status, str(response.url)), (307, "http://example.com/api?foo=bar"))
            response = await self.session.get("http://api.test/r", allow_redirects=False)
            self.assertEqual(
                (response.status, response.headers["Location"]), (302, "http://api.test/elsewhere")
            )

    async def test_a_redirect_loop_ends_with_aiohttps_too_many_redirects(self):
        with aioresponses() as m:
            m.get("http://api.test/loop", status=302, headers={"Location": "/loop"}, repeat=True)
            with self.assertRaises(aiohttp.TooManyRedirects):
                await self.session.get("http://api.test/loop", max_redirects=3)
            self.assertEqual(len(m.requests[("GET", URL("http://api.test/loop"))]), 1)

    async def test_history_responses_are_dressed_with_their_routes(self):
        class Custom(aiohttp.ClientResponse):
            pass

        with aioresponses() as m:
            m.get("http://api.test/a", status=302, headers={"Location": "/b"}, response_class=Custom)
            m.get("http://api.test/b")
            response = await self.session.get("http://api.test/a")
            self.assertIsInstance(response.history[0], Custom)
            self.assertNotIsInstance(response, Custom)
            self.assertEqual(str(response.history[0].request_info.url), "http://api.test/a")
            self.assertEqual(str(response.request_info.url), "http://api.test/b")


class MiddlewareTest(SessionTestCase):
    """Client middlewares (aiohttp 3.12 and later) run around the mocked requests."""

    async def test_a_retrying_middleware_sends_the_call_again(self):
        async def retry_once(request: Any, handler: Any) -> aiohttp.ClientResponse:
            request.headers["X-Attempt"] = "1"
            response = await handler(request)
            if response.status == 503:
                request.headers["X-Attempt"] = "2"
                response = await handler(request)
            return response

        if not hasattr(aiohttp, "ClientHandlerType"):  # aiohttp < 3.12 has no client middlewares
            with self.assertRaises(TypeError):
                aiohttp.ClientSession(middlewares=(retry_once,))  # type: ignore[call-arg]
            return
        with aioresponses() as m:
            m.get("http://api.test/flaky", status=503)
            m.get("http://api.test/flaky", body="second time")
            async with aiohttp.ClientSession(middlewares=(retry_once,)) as session:  # type: ignore[call-arg]
                async with session.get("http://api.test/flaky") as response:
                    self.assertEqual((response.status, await response.text()), (200, "second time"))
            # One call of the session, two requests on the wire.
            self.assertEqual(len(m.requests[("GET", URL("http://api.test/flaky"))]), 1)
            assert m.aiohttpretty is not None
            self.assertEqual([call.headers["X-Attempt"] for call in m.aiohttpretty.calls], ["1", "2"])


def echo_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.Response(body=request.method.encode() + b" " + body, headers={"X-Path": request.path_qs})

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"X-Kind": "chunked"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"one ", b"two ", b"three"):
            await response.write(part)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/chunked", chunked)
    return app


class PassthroughTest(unittest.IsolatedAsyncioTestCase):
    """Requests that reach a real aiohttp server on 127.0.0.1."""

    async def asyncSetUp(self) -> None:
        self.server = await start_real_server()
        self.addAsyncCleanup(self.server.close)
        self.echo = TestServer(echo_app(), host="127.0.0.1")
        await self.echo.start_server()
        self.addAsyncCleanup(self.echo.close)
        self.session = aiohttp.ClientSession()
        self.addAsyncCleanup(self.session.close)

    async def text(self, url: Any, method: str = "GET", **kwargs: Any) -> str:
        async with self.session.request(method, url, **kwargs) as response:
            return await response.text()

    async def test_passthrough_hosts_reach_the_network_and_are_not_recorded(self):
        with aioresponses(passthrough=[self.server.make_url("")]) as m:  # a yarl.URL or a str
            m.get("http://api.test/x", body="mocked")
            self.assertEqual(await self.text(self.server.make_url("/hello")), "real /hello")
            self.assertEqual(
                await self.text(self.server.make_url("/again")), "real /again"
            )  # pooled connection
            self.assertEqual(await self.text("http://api.test/x"), "mocked")
            self.assertEqual(list(m.requests), [("GET", URL("http://api.test/x"))])
            with self.assertRaises(aiohttp.ClientConnectionError):  # its port only
                await self.text(self.echo.make_url("/echo"))

    async def test_passthrough_by_host_only(self):
        with aioresponses(passthrough=["http://127.0.0.1"]) as m:
            self.assertEqual(await self.text(self.server.make_url("/a")), "real /a")
            self.assertEqual(await self.text(self.echo.make_url("/echo"), "POST", data=b"x"), "POST x")
            self.assertEqual(m.requests, {})

    async def test_passthrough_unmatched_sends_what_no_route_matches_to_the_network(self):
        with aioresponses(passthrough_unmatched=True) as m:
            m.get(self.server.make_url("/mocked"), body="mocked")
            self.assertEqual(await self.text(self.server.make_url("/mocked")), "mocked")
            self.assertEqual(await self.text(self.server.make_url("/real")), "real /real")
            self.assertEqual(await self.text(self.server.make_url("/mocked")), "real /mocked")  # used up
            self.assertEqual(len(m.requests), 2)  # recorded, as aioresponses does
            async with self.session.post(
                self.echo.make_url("/echo"), params={"q": "1"}, data=b"body"
            ) as response:
                self.assertEqual(await response.read(), b"POST body")
                self.assertEqual(response.headers["X-Path"], "/echo?q=1")
            async with self.session.get(self.echo.make_url("/chunked")) as response:
                self.assertEqual(await response.read(), b"one two three")
                self.assertEqual(response.headers["X-Kind"], "chunked")
            async with self.session.head(self.server.make_url("/head")) as response:
                self.assertEqual((response.status, await response.read()), (200, b""))
                self.assertEqual(response.headers["Content-Length"], str(len("real /head")))
            async with self.session.put(self.echo.make_url("/echo"), data=b"") as response:
                self.assertEqual(await response.read(), b"PUT ")

    async def test_passthrough_unmatched_to_a_closed_port(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with aioresponses(passthrough_unmatched=True):
            with self.assertRaisesRegex(aiohttp.ClientOSError, "Cannot connect to host"):
                await self.text(f"http://127.0.0.1:{port}/x")

    async def test_a_mock_refuses_real_servers_it_does_not_pass_through(self):
        with aioresponses():
            with self.assertRaises(aiohttp.ClientConnectionError):
                await self.text(self.server.make_url("/hello"))
        self.assertEqual(await self.text(self.server.make_url("/after")), "real /after")


if __name__ == "__main__":
    unittest.main()

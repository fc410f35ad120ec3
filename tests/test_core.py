"""The core: module-level API, options, matching, fidelity and errors, each
through a real aiohttp.ClientSession."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import unittest
import warnings

import aiohttp
from yarl import URL

import aiohttpretty
from aiohttpretty import scope


class ModuleAPITest(unittest.IsolatedAsyncioTestCase):
    """Tests using the original-compatible module-level functions."""

    def setUp(self) -> None:
        aiohttpretty.clear()
        aiohttpretty.activate()
        self.addCleanup(aiohttpretty.clear)
        self.addCleanup(aiohttpretty.deactivate)

    async def get(self, url, **kwargs):
        async with aiohttp.ClientSession() as session:
            async with session.get(url, **kwargs) as response:
                return response, await response.read()

    async def test_register_uri_answers_with_status_headers_and_body(self):
        route = aiohttpretty.register_uri(
            "GET", "http://api.test/x", status=201, reason="Made", headers={"X-Id": 7}, body="héllo"
        )
        response, body = await self.get("http://api.test/x")
        self.assertEqual(response.status, 201)
        self.assertEqual(response.reason, "Made")
        self.assertEqual(response.headers["X-Id"], "7")
        self.assertEqual(body, "héllo".encode())
        self.assertEqual(route.call_count, 1)
        self.assertEqual(route.calls[0].url, URL("http://api.test/x"))

    async def test_defaults_are_200_empty_reason_and_empty_body(self):
        aiohttpretty.register_uri("GET", "http://api.test/x")
        response, body = await self.get("http://api.test/x")
        self.assertEqual((response.status, response.reason, body), (200, "", b""))
        self.assertNotIn("Content-Length", response.headers)

    async def test_repeated_headers_are_kept(self):
        aiohttpretty.register_uri(
            "GET", "http://api.test/x", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        )
        response, _ = await self.get("http://api.test/x")
        self.assertEqual(response.headers.getall("Set-Cookie"), ["a=1", "b=2"])

    async def test_auto_length_overrides_a_given_content_length(self):
        aiohttpretty.register_uri(
            "GET", "http://api.test/x", body=b"12345", headers={"Content-Length": "1"}, auto_length=True
        )
        response, body = await self.get("http://api.test/x")
        self.assertEqual(response.headers.getall("Content-Length"), ["5"])
        self.assertEqual(body, b"12345")

    async def test_stream_body_is_read(self):
        stream = asyncio.StreamReader()
        stream.feed_data(b"streamed")
        stream.feed_eof()
        aiohttpretty.register_uri("GET", "http://api.test/x", body=stream)
        _, body = await self.get("http://api.test/x")
        self.assertEqual(body, b"streamed")

    async def test_object_with_async_read_is_a_stream_and_auto_length_counts_it(self):
        class Source:
            def __init__(self):
                self.parts = [b"ab", b"cd", b""]

            async def read(self, n=-1):
                if n == -1:
                    data, self.parts = b"".join(self.parts), [b""]
                    return data
                return self.parts.pop(0)

        aiohttpretty.register_uri("GET", "http://api.test/x", body=Source(), auto_length=True)
        response, body = await self.get("http://api.test/x")
        self.assertEqual((body, response.headers["Content-Length"]), (b"abcd", "4"))

    async def test_responses_are_handed_out_in_order_then_fail(self):
        aiohttpretty.register_uri(
            "GET", "http://api.test/x", responses=[{"status": 503}, {"status": 200, "body": b"ok"}]
        )
        first, _ = await self.get("http://api.test/x")
        second, body = await self.get("http://api.test/x")
        self.assertEqual((first.status, second.status, body), (503, 200, b"ok"))
        with self.assertRaisesRegex(aiohttpretty.ResponsesExhausted, "used up after 2 request"):
            await self.get("http://api.test/x")

    def test_params_inside_responses_is_a_value_error_and_registers_nothing(self):
        with self.assertRaisesRegex(ValueError, "params cannot be given inside responses"):
            aiohttpretty.register_uri("GET", "http://api.test/x", responses=[{"params": {"a": 1}}])
        self.assertEqual(len(aiohttpretty.registry), 0)

    async def test_registering_again_replaces_the_route(self):
        aiohttpretty.register_uri("GET", "http://api.test/x", body=b"old")
        aiohttpretty.register_uri("get", "HTTP://API.test:80/x", body=b"new")
        _, body = await self.get("http://api.test/x")
        self.assertEqual(body, b"new")
        self.assertEqual(len(aiohttpretty.registry), 1)

    async def test_register_json_uri_encodes_body_and_sets_content_type(self):
        aiohttpretty.register_json_uri("GET", "http://api.test/x", body={"dog": "woof"})
        response, body = await self.get("http://api.test/x")
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(body), {"dog": "woof"})

    async def test_register_json_uri_keeps_a_given_content_type(self):
        aiohttpretty.register_json_uri(
            "GET", "http://api.test/x", body=[1], headers={"content-type": "application/vnd.api+json"}
        )
        response, _ = await self.get("http://api.test/x")
        self.assertEqual(response.headers.getall("Content-Type"), ["application/vnd.api+json"])

    async def test_register_json_uri_responses_encode_data_but_send_text_as_given(self):
        aiohttpretty.register_json_uri(
            "GET",
            "http://api.test/x",
            responses=[
                {"body": {"a": 1}},
                {"body": [1, 2]},
                {"body": None},
                {"body": '{"raw": 1}'},
                {"body": b"[]"},
            ],
        )
        bodies = [(await self.get("http://api.test/x"))[1] for _ in range(5)]
        self.assertEqual(bodies, [b'{"a": 1}', b"[1, 2]", b"null", b'{"raw": 1}', b"[]"])

    def test_register_json_uri_with_unserialisable_body_is_a_type_error(self):
        with self.assertRaisesRegex(TypeError, "cannot be encoded as JSON"):
            aiohttpretty.register_json_uri("GET", "http://api.test/x", body=object())
        self.assertEqual(len(aiohttpretty.registry), 0)

    async def test_uri_may_be_a_yarl_url_everywhere(self):
        aiohttpretty.register_uri("GET", URL("http://api.test/x?a=1"), body=b"ok")
        _, body = await self.get(URL("http://api.test/x?a=1"))
        self.assertEqual(body, b"ok")
        self.assertTrue(aiohttpretty.has_call(URL("http://api.test/x?a=1")))
        response = await aiohttpretty.fake_request("GET", URL("http://api.test/x"), params={"a": "1"})
        self.assertEqual(await response.read(), b"ok")

    async def test_webdav_methods_through_request_and_private_request(self):
        for method in ("PROPFIND", "MKCOL", "COPY", "MOVE"):
            aiohttpretty.register_uri(method, "http://dav.test/f", status=207)
        async with aiohttp.ClientSession() as session:
            for method in ("PROPFIND", "MKCOL"):
                async with session.request(method, "http://dav.test/f") as response:
                    self.assertEqual(response.status, 207)
            for method in ("COPY", "move"):
                async with await session._request(method, "http://dav.test/f") as response:
                    self.assertEqual(response.status, 207)
        self.assertEqual([c.method for c in aiohttpretty.calls], ["PROPFIND", "MKCOL", "COPY", "MOVE"])

    async def test_recorded_call_has_wire_headers_body_and_json(self):
        aiohttpretty.register_uri("POST", "http://api.test/x?q=1", status=201)
        async with aiohttp.ClientSession() as session:
            async with session.post("http://api.test/x?q=1", json={"a": [1]}, headers={"X-Token": "t"}):
                pass
        call = aiohttpretty.calls[0]
        self.assertEqual(call.method, "POST")
        self.assertEqual(call.url, URL("http://api.test/x?q=1"))
        self.assertEqual(call.headers["x-token"], "t")
        self.assertEqual(call.headers["Content-Type"], "application/json")
        self.assertEqual(call.body, b'{"a": [1]}')
        self.assertEqual(call.json(), {"a": [1]})

    async def test_recorded_call_reads_as_the_original_mapping(self):
        aiohttpretty.register_uri("POST", "http://api.test/x", params={"b": "2", "a": "1"})
        headers = {"Authorization": "Bearer t"}
        async with aiohttp.ClientSession() as session:
            async with session.post(
                "http://api.test/x", params={"a": "1", "b": "2"}, headers=headers, data=b"d"
            ):
                pass
        call = aiohttpretty.calls[0]
        self.assertEqual(call["method"], "POST")
        self.assertEqual(call["uri"], "http://api.test/x?b=2&a=1")
        self.assertEqual(call["uri"].url, "http://api.test/x")
        self.assertEqual(dict(call["uri"].params), {"a": "1", "b": "2"})
        self.assertIs(call["headers"], headers)
        self.assertEqual(call["data"], b"d")
        self.assertEqual(call["params"], {"a": "1", "b": "2"})
        self.assertNotIn("json", call)

    async def test_has_call_with_method_params_and_passed_arguments(self):
        aiohttpretty.register_uri("PUT", "http://api.test/x", params={"v": "1"})
        async with aiohttp.ClientSession() as session:
            async with session.put("http://api.test/x?v=1", headers={"A": "b"}, data="text"):
                pass
        self.assertTrue(aiohttpretty.has_call("http://api.test/x", params={"v": "1"}))
        self.assertTrue(aiohttpretty.has_call("http://api.test/x?v=1", method="PUT", headers={"A": "b"}))
        self.assertTrue(aiohttpretty.has_call("http://api.test/x?v=1", data="text"))
        self.assertTrue(aiohttpretty.has_call("http://api.test/x", check_params=False))
        self.assertFalse(aiohttpretty.has_call("http://api.test/x"))
        self.assertFalse(aiohttpretty.has_call("http://api.test/x?v=1", method="GET"))
        self.assertFalse(aiohttpretty.has_call("http://api.test/x?v=1", headers={"A": "c"}))
        self.assertFalse(aiohttpretty.has_call("http://api.test/x?v=1", data="other"))

    def test_has_call_raises_on_a_uri_it_cannot_read(self):
        # So that ``assert not has_call(...)`` never passes without comparing.
        with self.assertRaisesRegex(ValueError, "absolute http\\(s\\) URL.*'DELETE'"):
            aiohttpretty.has_call("DELETE", "http://api.test/x")
        with self.assertRaisesRegex(TypeError, "uri must be a str or a yarl.URL"):
            aiohttpretty.has_call(None)
        with self.assertRaisesRegex(TypeError, "params must be a mapping"):
            aiohttpretty.has_call("http://api.test/x", params=object())
        with self.assertRaisesRegex(ValueError, "absolute http\\(s\\) URL.*'api.test/x'"):
            aiohttpretty.has_call("api.test/x")

    async def test_fake_request_answers_without_session_or_activation(self):
        aiohttpretty.deactivate()
        aiohttpretty.register_json_uri("GET", "http://api.test/x", body={"a": 1}, status=202, reason="Later")
        response = await aiohttpretty.fake_request("GET", "http://api.test/x")
        self.assertIsInstance(response, aiohttp.ClientResponse)
        self.assertEqual((response.status, response.reason), (202, "Later"))
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(await response.read(), b'{"a": 1}')
        self.assertEqual(await response.text(), '{"a": 1}')
        self.assertEqual(await response.json(), {"a": 1})
        self.assertEqual(len(aiohttpretty.calls), 1)

    async def test_fake_request_reads_a_data_stream_to_exhaustion(self):
        aiohttpretty.register_uri("PUT", "http://api.test/up")
        stream = asyncio.StreamReader()
        stream.feed_data(b"upload")
        stream.feed_eof()
        await aiohttpretty.fake_request("PUT", "http://api.test/up", data=stream)
        self.assertTrue(stream.at_eof())
        self.assertEqual(aiohttpretty.calls[0].body, b"upload")

    def test_registry_is_a_read_only_view(self):
        route = aiohttpretty.register_uri("GET", "http://api.test/x")
        registry = aiohttpretty.registry
        self.assertIs(registry["GET", "http://API.test/x"], route)
        self.assertIn(("get", URL("http://api.test:80/x")), registry)
        self.assertEqual(list(registry), [("GET", "http://api.test/x")])
        with self.assertRaises(TypeError):
            registry["GET", "http://api.test/y"] = route  # type: ignore[index]

    def test_the_registry_finds_catch_all_routes(self):
        every = aiohttpretty.register_uri("*", "http://api.test/any")
        tree = aiohttpretty.register_uri("GET", "http://api.test/tree", prefix=True)
        registry = aiohttpretty.registry
        self.assertIs(registry["*", "http://API.test/any"], every)
        self.assertIs(registry["get", "http://api.test/tree"], tree)
        expected = {("*", "http://api.test/any"): every, ("GET", "http://api.test/tree"): tree}
        self.assertEqual(dict(registry.items()), expected)
        with self.assertRaises(KeyError):
            registry["GET", "http://api.test/any"]  # a lookup names the route's own method

    async def test_clear_forgets_routes_and_calls(self):
        aiohttpretty.register_uri("GET", "http://api.test/x")
        await self.get("http://api.test/x")
        aiohttpretty.clear()
        self.assertEqual((len(aiohttpretty.registry), len(aiohttpretty.calls)), (0, 0))
        with self.assertRaises(aiohttpretty.NoRouteMatched):
            await self.get("http://api.test/x")


class MatchingTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.mock = aiohttpretty.AioHTTPretty()
        self.mock.activate()
        self.addCleanup(self.mock.deactivate)

    async def status(self, method, url, **kwargs):
        async with aiohttp.ClientSession() as session:
            try:
                async with session.request(method, url, **kwargs) as response:
                    return response.status
            except aiohttpretty.NoRouteMatched:
                return None

    async def test_method_is_case_insensitive(self):
        self.mock.register_uri("post", "http://api.test/x", status=201)
        self.assertEqual(await self.status("POST", "http://api.test/x"), 201)

    async def test_url_normalisation(self):
        self.mock.register_uri("GET", "HTTP://API.Test:80/a%7eb/c%20d", status=201)
        self.assertEqual(await self.status("GET", "http://api.test/a~b/c d"), 201)
        self.mock.register_uri("GET", "https://api.test:443", status=202)
        self.assertEqual(await self.status("GET", "https://API.TEST/"), 202)

    async def test_query_is_a_set_of_pairs_in_any_order(self):
        self.mock.register_uri("GET", "http://api.test/x?b=2&a=1", status=201)
        self.assertEqual(await self.status("GET", "http://api.test/x", params=[("a", "1"), ("b", "2")]), 201)
        self.assertEqual(await self.status("GET", "http://api.test/x?a=1&b=2&a=1"), 201)
        self.assertIsNone(await self.status("GET", "http://api.test/x?a=1"))
        self.assertIsNone(await self.status("GET", "http://api.test/x?a=1&b=3"))

    async def test_params_add_to_the_uri_query_and_repeat_keys(self):
        self.mock.register_uri("GET", "http://api.test/x?a=1", params={"tag": ["x", "y"], "n": 3}, status=201)
        self.assertEqual(await self.status("GET", "http://api.test/x?tag=y&n=3&tag=x&a=1"), 201)
        self.assertIsNone(await self.status("GET", "http://api.test/x?tag=y&n=3&a=1"))

    async def test_same_pair_in_uri_and_params_counts_once(self):
        self.mock.register_uri("GET", "http://api.test/x?a=1", params={"a": "1"}, status=201)
        self.assertEqual(await self.status("GET", "http://api.test/x?a=1"), 201)

    async def test_empty_values_are_ignored_on_both_sides(self):
        self.mock.register_uri("GET", "http://api.test/x", params={"beta": None, "a": "1"}, status=201)
        for url in ("http://api.test/x?a=1&beta=", "http://api.test/x?a=1&beta", "http://api.test/x?a=1"):
            self.assertEqual(await self.status("GET", url), 201, url)

    async def test_fragment_is_ignored(self):
        self.mock.register_uri("GET", "http://api.test/x#top", status=201)
        self.assertEqual(await self.status("GET", "http://api.test/x"), 201)

    async def test_scheme_host_port_and_path_must_match(self):
        self.mock.register_uri("GET", "http://api.test/x", status=201)
        for url in (
            "https://api.test/x",
            "http://api.test:8080/x",
            "http://other.test/x",
            "http://api.test/x/",
        ):
            self.assertIsNone(await self.status("GET", url), url)

    async def test_lookup_among_many_routes(self):
        for number in range(2000):
            self.mock.register_uri("GET", f"http://api.test/items/{number}", params={"v": number}, status=200)
        self.mock.register_uri("GET", "http://api.test/items/last", status=204)
        self.assertEqual(await self.status("GET", "http://api.test/items/last"), 204)
        self.assertEqual(await self.status("GET", "http://api.test/items/1999?v=1999"), 200)


class FidelityTest(unittest.IsolatedAsyncioTestCase):
    """aiohttp's own client code does the work: each behaviour comes from aiohttp."""

    async def asyncSetUp(self) -> None:
        self.mock = aiohttpretty.AioHTTPretty()
        self.mock.activate()
        self.addCleanup(self.mock.deactivate)

    async def test_raise_for_status_session_wide_and_per_request(self):
        self.mock.register_uri("GET", "http://api.test/missing", status=404, reason="Not Found")
        async with aiohttp.ClientSession(raise_for_status=True) as session:
            with self.assertRaises(aiohttp.ClientResponseError) as caught:
                await session.get("http://api.test/missing")
        self.assertEqual((caught.exception.status, caught.exception.message), (404, "Not Found"))
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/missing") as response:
                self.assertEqual(response.status, 404)
            with self.assertRaises(aiohttp.ClientResponseError):
                await session.get("http://api.test/missing", raise_for_status=True)

    async def test_redirects_are_followed_by_aiohttp(self):
        self.mock.register_uri("GET", "http://api.test/final", body=b"done")
        self.mock.register_uri("POST", "http://api.test/final", body=b"posted")
        for status in (301, 302, 303, 307, 308):
            self.mock.register_uri(
                "GET", f"http://api.test/r{status}", status=status, headers={"Location": "/final"}
            )
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://api.test/r{status}") as response:
                    self.assertEqual(await response.read(), b"done")
                    self.assertEqual([r.status for r in response.history], [status])
                    self.assertEqual(response.url, URL("http://api.test/final"))
                async with session.get(f"http://api.test/r{status}", allow_redirects=False) as response:
                    self.assertEqual(response.status, status)
        # 307 keeps the method and body, 303 turns them into GET.
        self.mock.register_uri("POST", "http://api.test/p307", status=307, headers={"Location": "/final"})
        self.mock.register_uri("POST", "http://api.test/p303", status=303, headers={"Location": "/final"})
        async with aiohttp.ClientSession() as session:
            async with session.post("http://api.test/p307", data=b"x") as response:
                self.assertEqual(await response.read(), b"posted")
            async with session.post("http://api.test/p303", data=b"x") as response:
                self.assertEqual(await response.read(), b"done")

    async def test_set_cookie_is_stored_and_sent_back(self):
        self.mock.register_uri("POST", "http://api.test/login", headers=[("Set-Cookie", "sid=abc; Path=/")])
        self.mock.register_uri("GET", "http://api.test/me", body=b"me")
        async with aiohttp.ClientSession() as session:
            await (await session.post("http://api.test/login")).release()
            async with session.get("http://api.test/me"):
                pass
        self.assertEqual(self.mock.calls[-1].headers["Cookie"], "sid=abc")

    async def test_base_url(self):
        self.mock.register_uri("GET", "http://api.test/users", body=b"users")
        # aiohttp 3.9 takes a base_url without a path only; later ones join paths too.
        async with aiohttp.ClientSession(base_url="http://api.test") as session:
            async with session.get("/users") as response:
                self.assertEqual(await response.read(), b"users")
        self.assertEqual(self.mock.calls[0].url, URL("http://api.test/users"))

    async def test_client_middlewares(self):
        seen = []
        if not hasattr(aiohttp, "ClientHandlerType"):
            # Client middlewares arrived in aiohttp 3.12: before, the session refuses them.
            with self.assertRaises(TypeError):
                aiohttp.ClientSession(middlewares=())
            return

        async def add_token(request, handler):
            request.headers["Authorization"] = "Bearer mw"
            response = await handler(request)
            seen.append(response.status)
            return response

        self.mock.register_uri("GET", "http://api.test/x", status=204)
        async with aiohttp.ClientSession(middlewares=(add_token,)) as session:
            async with session.get("http://api.test/x"):
                pass
        self.assertEqual(seen, [204])
        self.assertEqual(self.mock.calls[0].headers["Authorization"], "Bearer mw")

    async def test_trace_signals(self):
        events = []
        trace = aiohttp.TraceConfig()

        async def on_start(session, context, params):
            events.append(("start", params.method, str(params.url)))

        async def on_end(session, context, params):
            events.append(("end", params.response.status))

        trace.on_request_start.append(on_start)
        trace.on_request_end.append(on_end)
        self.mock.register_uri("GET", "http://api.test/x", status=200)
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            async with session.get("http://api.test/x"):
                pass
        self.assertEqual(events, [("start", "GET", "http://api.test/x"), ("end", 200)])

    async def test_gzip_is_decompressed_and_streaming_works(self):
        payload = b"0123456789" * 50_000
        self.mock.register_uri(
            "GET", "http://api.test/gz", body=gzip.compress(payload), headers={"Content-Encoding": "gzip"}
        )
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/gz") as response:
                chunks = [chunk async for chunk in response.content.iter_chunked(4096)]
        self.assertEqual(b"".join(chunks), payload)
        self.assertGreater(len(chunks), 1)

    async def test_head_request_request_info_and_release(self):
        self.mock.register_uri(
            "HEAD", "http://api.test/x", headers={"Content-Length": "123"}, body=b"ignored"
        )
        async with aiohttp.ClientSession() as session:
            async with session.head("http://api.test/x", headers={"X-Q": "1"}) as response:
                self.assertEqual(response.content_length, 123)
                self.assertEqual(await response.read(), b"")
                self.assertEqual(response.request_info.method, "HEAD")
                self.assertEqual(response.request_info.url, URL("http://api.test/x"))
                self.assertEqual(response.request_info.headers["X-Q"], "1")
            self.assertTrue(response.closed)

    async def test_https_and_many_concurrent_requests(self):
        self.mock.register_json_uri("GET", "https://secure.test/n", body={"ok": True})
        async with aiohttp.ClientSession() as session:

            async def fetch():
                async with session.get("https://secure.test/n") as response:
                    return await response.json()

            results = await asyncio.gather(*(fetch() for _ in range(300)))
        self.assertEqual(results, [{"ok": True}] * 300)
        self.assertEqual(len(self.mock.calls), 300)

    async def test_aiohttp_request_function(self):
        self.mock.register_uri("GET", "http://api.test/x", body=b"ok")
        async with aiohttp.request("GET", "http://api.test/x") as response:
            self.assertEqual(await response.read(), b"ok")

    async def test_session_created_before_activation(self):
        self.mock.deactivate()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            self.mock.activate()
            self.mock.register_uri("GET", "http://api.test/x", body=b"ok")
            for _ in range(3):
                async with session.get("http://api.test/x") as response:
                    self.assertEqual(await response.read(), b"ok")


class ErrorTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.mock = aiohttpretty.AioHTTPretty()
        self.mock.activate()
        self.addCleanup(self.mock.deactivate)

    async def test_no_match_error_names_request_and_closest_routes(self):
        self.mock.register_uri("GET", "http://api.test/items", params={"page": "1"})
        self.mock.register_uri("POST", "http://api.test/items")
        self.mock.register_uri("GET", "http://elsewhere.test/zzz")
        async with aiohttp.ClientSession() as session:
            with self.assertRaises(aiohttpretty.NoRouteMatched) as caught:
                await session.get("http://api.test/items?page=2")
        message = str(caught.exception)
        self.assertIsInstance(caught.exception, AssertionError)
        self.assertIn("No route matches GET http://api.test/items?page=2", message)
        self.assertIn("GET http://api.test/items?page=1: query missing page=1; unexpected page=2", message)
        self.assertIn("POST http://api.test/items: method POST != GET; query unexpected page=2", message)
        self.assertEqual(len(self.mock.unmatched), 1)
        self.assertEqual(len(self.mock.calls), 0)

    async def test_no_routes_at_all(self):
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "No routes are registered"):
                await session.get("http://api.test/x")

    def test_unknown_option_warns_in_module_api_and_is_ignored(self):
        scope.push(self.mock)
        self.addCleanup(scope.pop, self.mock)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            route = aiohttpretty.register_uri("GET", "http://api.test/x", stauts=404, data=b"x")
        self.assertEqual(len(caught), 1)
        warning = caught[0]
        self.assertTrue(issubclass(warning.category, aiohttpretty.UnknownOptionWarning))
        self.assertTrue(issubclass(warning.category, UserWarning))
        self.assertIn("'stauts' (did you mean 'status'?)", str(warning.message))
        self.assertIn("'data'", str(warning.message))
        self.assertIn("Valid options: params, responses, status", str(warning.message))
        self.assertEqual(warning.filename, __file__)
        self.assertIn(("GET", "http://api.test/x"), self.mock.registry)
        self.assertEqual(route.next_reply().spec.status, 200)

    def test_options_old_suites_pass_keep_working(self):
        with warnings.catch_warnings(), aiohttpretty.mocked(assert_all_called=False):
            warnings.simplefilter("ignore")
            aiohttpretty.register_uri(
                "GET", "http://api.test/x", status_code=200, match_querystring=True, header={"a": "b"}
            )

    def test_unknown_option_raises_on_a_mock_of_its_own(self):
        with self.assertRaisesRegex(TypeError, "'stauts' \\(did you mean 'status'\\?\\)"):
            self.mock.register_uri("GET", "http://api.test/x", stauts=404)
        self.assertEqual(len(self.mock.registry), 0)

    def test_invalid_body_is_a_type_error_on_a_mock_of_its_own(self):
        for body in (42, {"a": 1}, object()):
            with self.subTest(body=body), self.assertRaisesRegex(TypeError, "body of type .* cannot be sent"):
                self.mock.register_uri("GET", "http://api.test/x", body=body)
        self.assertEqual(len(self.mock.registry), 0)

    async def test_invalid_body_warns_then_fails_when_requested_in_the_original_api(self):
        scope.push(self.mock)
        self.addCleanup(scope.pop, self.mock)
        with self.assertWarnsRegex(aiohttpretty.AioHTTPrettyWarning, "body of type int"):
            aiohttpretty.register_uri("GET", "http://api.test/x", body=42)
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(TypeError, "route GET http://api.test/x has a body of type int"):
                await session.get("http://api.test/x")

    def test_bad_registrations_raise_value_error_and_register_nothing(self):
        cases = [
            ({"status": 99}, "status must be between 100 and 599"),
            ({"status": 600}, "status must be between 100 and 599"),
            ({"headers": {"X": "a\r\nInjected: 1"}}, "contains CR, LF or NUL"),
            ({"reason": "OK\n"}, "contains CR, LF or NUL"),
        ]
        for options, pattern in cases:
            with self.subTest(options=options), self.assertRaisesRegex(ValueError, pattern):
                self.mock.register_uri("GET", "http://api.test/x", **options)
        with self.assertRaisesRegex(ValueError, "absolute http\\(s\\) URL.*did you mean 'http://api.test/x'"):
            self.mock.register_uri("GET", "api.test/x")
        with self.assertRaisesRegex(ValueError, "invalid HTTP method 'GE T'"):
            self.mock.register_uri("GE T", "http://api.test/x")
        with self.assertRaisesRegex(TypeError, "uri must be a str or a yarl.URL"):
            self.mock.register_uri("GET", 42)
        with self.assertRaisesRegex(TypeError, "status must be an int"):
            self.mock.register_uri("GET", "http://api.test/x", status="200")
        with self.assertRaisesRegex(TypeError, "responses\\[1\\] must be a dict"):
            self.mock.register_uri("GET", "http://api.test/x", responses=[{}, "oops"])
        self.assertEqual(len(self.mock.registry), 0)


class ActivationTest(unittest.IsolatedAsyncioTestCase):
    def test_activate_twice_and_deactivate_restores_aiohttp_exactly(self):
        before = (
            aiohttp.ClientSession._request,
            aiohttp.TCPConnector._create_connection,
            aiohttp.BaseConnector._create_connection,
            aiohttp.UnixConnector._create_connection,
        )
        mock = aiohttpretty.AioHTTPretty()
        mock.deactivate()
        mock.activate()
        mock.activate()
        self.assertTrue(mock.is_active)
        self.assertIsNot(aiohttp.TCPConnector._create_connection, before[1])
        mock.deactivate()
        mock.deactivate()
        after = (
            aiohttp.ClientSession._request,
            aiohttp.TCPConnector._create_connection,
            aiohttp.BaseConnector._create_connection,
            aiohttp.UnixConnector._create_connection,
        )
        self.assertEqual(before, after)
        self.assertFalse(mock.is_active)

    async def test_deactivate_after_a_failed_request(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.activate()
        try:
            async with aiohttp.ClientSession() as session:
                with self.assertRaises(aiohttpretty.NoRouteMatched):
                    await session.get("http://api.test/x")
        finally:
            mock.deactivate()
        self.assertFalse(getattr(aiohttp.ClientSession._request, "_aiohttpretty_patch", False))

    def test_module_level_calls_and_registry_follow_the_current_mock(self):
        with aiohttpretty.mocked() as mock:
            aiohttpretty.register_uri("GET", "http://api.test/x")
            self.assertIs(aiohttpretty.calls, mock.calls)
            self.assertEqual(list(aiohttpretty.registry), [("GET", "http://api.test/x")])
        self.assertNotIn(("GET", "http://api.test/x"), aiohttpretty.registry)


class PackagingTest(unittest.TestCase):
    def test_package_imports_without_pytest(self):
        code = (
            "import sys; sys.modules['pytest'] = None; sys.modules['_pytest'] = None\n"
            "import aiohttpretty, aiohttpretty.testcase\n"
            "assert 'pytest' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
            "print('ok')"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        self.assertEqual(result.stdout.strip(), "ok", result.stderr)

    def test_public_names_are_exported(self):
        for name in aiohttpretty.__all__:
            self.assertTrue(hasattr(aiohttpretty, name), name)


if __name__ == "__main__":
    unittest.main()

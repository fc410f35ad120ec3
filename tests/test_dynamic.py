"""Beyond exact URLs: request conditions, URL patterns, callbacks, exceptions,
delays, streamed bodies, times=N and passthrough, through a real ClientSession."""

from __future__ import annotations

import asyncio
import inspect
import re
import warnings

import aiohttp

import aiohttpretty

from .realserver import start_real_server


class _MockedTest(aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.session = aiohttp.ClientSession()
        self.addAsyncCleanup(self.session.close)

    async def fetch(self, method: str, url: str, **kwargs) -> tuple[int, bytes]:
        async with self.session.request(method, url, **kwargs) as response:
            return response.status, await response.read()


class ConditionTest(_MockedTest):
    async def test_match_headers_is_a_case_insensitive_subset(self):
        self.register_uri("GET", "http://api.test/x", match_headers={"authorization": "Bearer a"}, body=b"a")
        self.register_uri("GET", "http://api.test/x", match_headers={"Authorization": "Bearer b"}, body=b"b")
        self.assertEqual(
            await self.fetch("GET", "http://api.test/x", headers={"Authorization": "Bearer b"}), (200, b"b")
        )
        self.assertEqual(
            await self.fetch(
                "GET", "http://api.test/x", headers={"AUTHORIZATION": "Bearer a", "X-Extra": "1"}
            ),
            (200, b"a"),
        )
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, "match_headers: expected authorization: 'Bearer a', got 'Bearer c'"
        ):
            await self.fetch("GET", "http://api.test/x", headers={"Authorization": "Bearer c"})

    async def test_match_json(self):
        self.register_uri("POST", "http://api.test/x", match_json={"a": 1}, status=201)
        self.assertEqual((await self.fetch("POST", "http://api.test/x", json={"a": 1}))[0], 201)
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, r"match_json: expected \{'a': 1\}, got \{'a': 2\}"
        ):
            await self.fetch("POST", "http://api.test/x", json={"a": 2})
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "got a body that is not JSON: b'plain'"):
            await self.fetch("POST", "http://api.test/x", data=b"plain")

    async def test_match_data_bytes_text_and_form(self):
        self.register_uri("PUT", "http://api.test/raw", match_data=b"\x00raw", status=201)
        self.register_uri("PUT", "http://api.test/text", match_data="héllo", status=202)
        self.register_uri("POST", "http://api.test/form", match_data={"b": "2", "a": ["1", "3"]}, status=203)
        self.assertEqual((await self.fetch("PUT", "http://api.test/raw", data=b"\x00raw"))[0], 201)
        self.assertEqual((await self.fetch("PUT", "http://api.test/text", data="héllo".encode()))[0], 202)
        form = aiohttp.FormData([("a", "1"), ("a", "3"), ("b", "2")])
        self.assertEqual((await self.fetch("POST", "http://api.test/form", data=form))[0], 203)
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, "match_data: expected b'\\\\x00raw', got b'other'"
        ):
            await self.fetch("PUT", "http://api.test/raw", data=b"other")

    async def test_match_params_partial_and_any_query(self):
        self.register_uri(
            "GET", "http://api.test/search", params={"q": "cat"}, match_params_partial=True, body=b"cats"
        )
        self.register_uri("GET", "http://api.test/any", match_params_partial=True, body=b"any")
        self.assertEqual(
            await self.fetch("GET", "http://api.test/search?q=cat&page=2&sort=new"), (200, b"cats")
        )
        self.assertEqual(await self.fetch("GET", "http://api.test/any?x=1&y"), (200, b"any"))
        self.assertEqual(await self.fetch("GET", "http://api.test/any"), (200, b"any"))
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, r"\(partial query\): query missing q=cat"):
            await self.fetch("GET", "http://api.test/search?q=dog")

    async def test_match_callable(self):
        def small_page(request: aiohttpretty.Call) -> bool:
            return int(request.url.query.get("limit", "0")) <= 10

        self.register_uri("GET", "http://api.test/x", match_params_partial=True, match=small_page, body=b"ok")
        self.assertEqual(await self.fetch("GET", "http://api.test/x?limit=5"), (200, b"ok"))
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, r"match: .*small_page\(request\) returned a false"
        ):
            await self.fetch("GET", "http://api.test/x?limit=50")

    async def test_all_conditions_must_hold(self):
        self.register_uri("POST", "http://api.test/x", match_headers={"X-A": "1"}, match_json=[1], status=201)
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "match_headers.*no such header; match_json"):
            await self.fetch("POST", "http://api.test/x", json=[2])
        self.assertEqual(
            (await self.fetch("POST", "http://api.test/x", json=[1], headers={"X-A": "1"}))[0], 201
        )

    async def test_first_registered_route_that_matches_wins(self):
        self.register_uri("POST", "http://api.test/x", match_headers={"X-A": "1"}, body=b"first")
        self.register_uri("POST", "http://api.test/x", match_headers={"X-A": "1"}, body=b"second")
        self.register_uri("POST", "http://api.test/x", body=b"fallback")
        self.assertEqual(await self.fetch("POST", "http://api.test/x", headers={"X-A": "1"}), (200, b"first"))
        self.assertEqual(await self.fetch("POST", "http://api.test/x"), (200, b"fallback"))

    async def test_plain_route_is_replaced_but_routes_with_conditions_are_kept(self):
        self.register_uri("GET", "http://api.test/x", match_headers={"X-A": "1"}, body=b"conditional")
        self.register_uri("GET", "http://api.test/x", body=b"old")
        self.register_uri("GET", "http://api.test/x", body=b"new")
        self.assertEqual(len(self.aiohttpretty.registry.routes()), 2)
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"new"))
        self.assertEqual(
            await self.fetch("GET", "http://api.test/x", headers={"X-A": "1"}), (200, b"conditional")
        )


class PatternTest(_MockedTest):
    async def test_pattern_uri_matches_the_full_url(self):
        route = self.register_uri("GET", re.compile(r"http://api\.test/users/(\d+)$"), body=b"user")
        self.assertEqual(await self.fetch("GET", "http://api.test/users/12"), (200, b"user"))
        self.assertEqual(await self.fetch("GET", "http://API.test:80/users/7"), (200, b"user"))
        self.assertEqual(route.call_count, 2)
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "url does not match the pattern"):
            await self.fetch("GET", "http://api.test/users/me")
        self.assertIn(("GET", route.url), self.aiohttpretty.registry)

    async def test_exact_routes_are_found_before_patterns(self):
        self.register_uri("GET", re.compile(r"http://api\.test/.*"), body=b"pattern")
        self.register_uri("GET", "http://api.test/exact", body=b"exact")
        self.assertEqual(await self.fetch("GET", "http://api.test/exact"), (200, b"exact"))
        self.assertEqual(await self.fetch("GET", "http://api.test/other"), (200, b"pattern"))

    def test_pattern_with_params_is_rejected(self):
        with self.assertRaisesRegex(ValueError, "do not apply to a pattern"):
            self.register_uri("GET", re.compile("http://api.test/.*"), params={"a": "1"})
        self.assertEqual(len(self.aiohttpretty.registry), 0)


class CallbackTest(_MockedTest):
    async def test_callback_receives_the_request_and_returns_options(self):
        seen: list[aiohttpretty.Call] = []

        def echo(request: aiohttpretty.Call) -> dict:
            seen.append(request)
            return {"status": 201, "headers": {"X-Echo": request.headers["X-In"]}, "json": request.json()}

        self.register_uri("POST", "http://api.test/echo", callback=echo)
        async with self.session.post(
            "http://api.test/echo", json={"n": 1}, headers={"X-In": "v"}
        ) as response:
            self.assertEqual((response.status, response.headers["X-Echo"]), (201, "v"))
            self.assertEqual(response.headers["Content-Type"], "application/json")
            self.assertEqual(await response.json(), {"n": 1})
        self.assertEqual(seen[0].method, "POST")

    async def test_coroutine_callback_and_none_means_the_registered_response(self):
        async def maybe(request: aiohttpretty.Call):
            await asyncio.sleep(0)
            return None if request.url.query.get("plain") else {"body": b"computed"}

        self.register_uri(
            "GET", "http://api.test/x", match_params_partial=True, body=b"static", callback=maybe
        )
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"computed"))
        self.assertEqual(await self.fetch("GET", "http://api.test/x?plain=1"), (200, b"static"))

    async def test_callback_that_raises_surfaces_its_exception(self):
        def fail(request):
            raise aiohttp.ServerDisconnectedError()

        self.register_uri("POST", "http://api.test/x", callback=fail)
        with self.assertRaises(aiohttp.ServerDisconnectedError):
            await self.fetch("POST", "http://api.test/x")

    async def test_bad_callback_result_is_a_clear_type_error(self):
        self.register_uri("GET", "http://api.test/a", callback=lambda request: 42)
        self.register_uri("GET", "http://api.test/b", callback=lambda request: {"stauts": 500})
        with self.assertRaisesRegex(TypeError, "returned 42; return a dict of response options"):
            await self.fetch("GET", "http://api.test/a")
        with self.assertRaisesRegex(TypeError, r"returned unknown option\(s\) \['stauts'\]"):
            await self.fetch("GET", "http://api.test/b")


class ExceptionTest(_MockedTest):
    async def test_connector_error_class_is_built_like_aiohttp_builds_it(self):
        self.register_uri("GET", "https://down.test/x", exception=aiohttp.ClientConnectorError)
        with self.assertRaises(aiohttp.ClientConnectorError) as caught:
            await self.fetch("GET", "https://down.test/x")
        self.assertEqual((caught.exception.host, caught.exception.port), ("down.test", 443))
        self.assertIn("Cannot connect to host down.test:443", str(caught.exception))

    async def test_exception_instance_is_raised_as_given(self):
        error = aiohttp.ClientPayloadError("truncated")
        self.register_uri("POST", "http://api.test/x", exception=error)
        with self.assertRaises(aiohttp.ClientPayloadError) as caught:
            await self.fetch("POST", "http://api.test/x")
        self.assertIs(caught.exception, error)

    async def test_timeout_error(self):
        self.register_uri("GET", "http://api.test/x", exception=asyncio.TimeoutError)
        with self.assertRaises(asyncio.TimeoutError):
            await self.fetch("GET", "http://api.test/x")

    async def test_server_disconnected_is_retried_once_by_aiohttp_for_idempotent_methods(self):
        route = self.register_uri(
            "GET",
            "http://api.test/x",
            responses=[{"exception": aiohttp.ServerDisconnectedError()}, {"body": b"ok"}],
        )
        async with aiohttp.ClientSession() as session:
            # aiohttp 3.10 and later retry an idempotent request once on a dropped
            # keep-alive connection (later ones let a session turn it off); 3.9
            # reports the error.
            retries = getattr(session, "_retry_connection", None)
            if retries is None:
                retries = "retry_persistent_connection" in inspect.getsource(aiohttp.client)
        if retries:
            self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"ok"))
        else:
            with self.assertRaises(aiohttp.ServerDisconnectedError):
                await self.fetch("GET", "http://api.test/x")
            self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"ok"))
        self.assertEqual(route.call_count, 2)

    async def test_responses_may_fail_then_succeed(self):
        self.register_uri(
            "POST", "http://api.test/x", responses=[{"exception": aiohttp.ClientOSError}, {"status": 201}]
        )
        with self.assertRaises(aiohttp.ClientOSError):
            await self.fetch("POST", "http://api.test/x")
        self.assertEqual((await self.fetch("POST", "http://api.test/x"))[0], 201)


class DelayAndStreamTest(_MockedTest):
    async def test_delay_honours_client_timeouts(self):
        self.register_uri("GET", "http://api.test/slow", delay=5, body=b"late")
        with self.assertRaises(aiohttp.ServerTimeoutError):
            await self.fetch("GET", "http://api.test/slow", timeout=aiohttp.ClientTimeout(sock_read=0.05))
        with self.assertRaises(asyncio.TimeoutError):
            await self.fetch("GET", "http://api.test/slow", timeout=aiohttp.ClientTimeout(total=0.05))

    async def test_short_delay_then_answer(self):
        self.register_uri("GET", "http://api.test/x", delay=0.01, body=b"ok")
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"ok"))

    async def test_list_of_chunks_is_delivered_one_by_one_for_every_request(self):
        self.register_uri("GET", "http://api.test/x", body=[b"ab", "cd", b"e"])
        for _ in range(2):
            async with self.session.get("http://api.test/x") as response:
                chunks = [chunk async for chunk in response.content.iter_any()]
            self.assertEqual(chunks, [b"ab", b"cd", b"e"])

    async def test_async_iterator_body_with_iter_chunked(self):
        async def produce():
            for number in range(100):
                yield bytes([number]) * 1000

        self.register_uri("GET", "http://api.test/x", body=produce())
        async with self.session.get("http://api.test/x") as response:
            chunks = [chunk async for chunk in response.content.iter_chunked(1000)]
        self.assertEqual(len(chunks), 100)
        self.assertEqual(chunks[42], b"\x2a" * 1000)

    async def test_registered_chunked_transfer_encoding_frames_the_body(self):
        body = bytes(range(256)) * 1000
        self.register_uri("GET", "http://api.test/x", headers={"Transfer-Encoding": "chunked"}, body=body)
        self.register_uri(
            "GET", "http://api.test/y", headers={"Transfer-Encoding": "chunked"}, body=[b"a", b"b"]
        )
        async with self.session.get("http://api.test/x") as response:
            self.assertEqual(await response.read(), body)
            self.assertEqual(response.headers["Transfer-Encoding"], "chunked")
        async with self.session.get("http://api.test/y") as response:
            self.assertEqual([chunk async for chunk in response.content.iter_any()], [b"a", b"b"])


class TimesTest(_MockedTest):
    async def test_route_answers_n_times_then_stops_matching(self):
        self.register_uri("GET", "http://api.test/x", times=2, body=b"limited")
        self.register_uri("GET", re.compile("http://api.test/.*"), body=b"fallback")
        results = [(await self.fetch("GET", "http://api.test/x"))[1] for _ in range(3)]
        self.assertEqual(results, [b"limited", b"limited", b"fallback"])

    async def test_times_without_fallback_explains(self):
        self.register_uri("GET", "http://api.test/x", times=1)
        await self.fetch("GET", "http://api.test/x")
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, r"times: already answered 1 of 1 request\(s\)"
        ):
            await self.fetch("GET", "http://api.test/x")

    async def test_times_next_to_responses(self):
        self.register_uri("GET", "http://api.test/x", times=1, responses=[{"body": b"1"}, {"body": b"2"}])
        self.register_uri("GET", "http://api.test/x", body=b"other", match_headers={"X": "y"})
        self.assertEqual(await self.fetch("GET", "http://api.test/x"), (200, b"1"))
        with self.assertRaises(aiohttpretty.NoRouteMatched):
            await self.fetch("GET", "http://api.test/x")


class ValidationTest(_MockedTest):
    def test_unknown_names_raise_here_and_warn_at_module_level(self):
        with self.assertRaisesRegex(TypeError, "'match_header' \\(did you mean 'match_headers'\\?\\)"):
            self.register_uri("GET", "http://api.test/x", match_header={"a": "b"})
        with self.assertRaisesRegex(TypeError, "'dealy' \\(did you mean 'delay'\\?\\)"):
            self.register_uri("GET", "http://api.test/x", responses=[{"dealy": 1}])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            aiohttpretty.register_uri("GET", "http://api.test/x", match_header={"a": "b"})
        self.assertEqual(caught[0].category, aiohttpretty.UnknownOptionWarning)

    def test_wrong_types_are_rejected_at_registration(self):
        cases = [
            ({"match_headers": ["a"]}, TypeError, "match_headers must be a mapping"),
            ({"match_json": object()}, TypeError, "match_json must be JSON-serialisable"),
            ({"match_data": 3}, TypeError, "match_data must be bytes, str, or a mapping"),
            ({"match": "yes"}, TypeError, "match must be a callable"),
            ({"match_params_partial": "yes"}, TypeError, "match_params_partial must be True or False"),
            ({"callback": 1}, TypeError, "callback must be a function"),
            ({"exception": "boom"}, TypeError, "exception must be an exception instance or class"),
            ({"exception": aiohttp.ClientResponseError}, TypeError, "cannot be created without arguments"),
            ({"delay": "1"}, TypeError, "delay must be a number"),
            ({"delay": -1}, ValueError, "delay must be a finite number of seconds >= 0"),
            ({"times": 0}, ValueError, "times must be at least 1"),
            ({"times": 1.5}, TypeError, "times must be an int"),
            ({"callback": print, "responses": [{}]}, ValueError, "callback and responses cannot be combined"),
        ]
        for options, error, pattern in cases:
            with self.subTest(options=options), self.assertRaisesRegex(error, pattern):
                self.register_uri("GET", "http://api.test/x", **options)
        self.assertEqual(len(self.aiohttpretty.registry), 0)


class PassthroughTest(aiohttpretty.AioHTTPrettyTestCase):
    passthrough = ("127.0.0.1",)

    async def test_passthrough_hosts_reach_a_real_server_and_the_rest_is_mocked(self):
        server = await start_real_server()
        self.addAsyncCleanup(server.close)
        self.register_uri("GET", "http://api.test/x", body=b"mocked")
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/hello")) as response:
                self.assertEqual(await response.text(), "real /hello")
            async with session.get("http://api.test/x") as response:
                self.assertEqual(await response.read(), b"mocked")
        self.assertEqual([str(call.url) for call in self.calls], ["http://api.test/x"])

    async def test_passthrough_by_host_and_port_at_module_level(self):
        server = await start_real_server()
        self.addAsyncCleanup(server.close)
        with aiohttpretty.mocked(passthrough=[f"127.0.0.1:{server.port}"]):
            async with aiohttp.ClientSession() as session:
                async with session.get(server.make_url("/")) as response:
                    self.assertEqual(await response.text(), "real /")
        with aiohttpretty.mocked(passthrough=["127.0.0.1:1"]), self.assertRaises(aiohttpretty.NoRouteMatched):
            async with aiohttp.ClientSession() as session:
                await session.get(server.make_url("/"))

    def test_passthrough_must_be_host_names(self):
        with self.assertRaisesRegex(TypeError, "passthrough must be a list of host names"):
            aiohttpretty.AioHTTPretty().activate(passthrough=[1])

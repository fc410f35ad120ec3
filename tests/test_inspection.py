"""The response kept with its call, the query over calls, the order of calls,
and optional, named, replaced and removed routes, through aiohttp."""

from __future__ import annotations

import aiohttp

import aiohttpretty
from aiohttpretty import ANY, NoRouteMatched

URL = "http://api.test/items"


class ResponseRecordTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_status_headers_and_body_as_sent(self):
        self.register_json_uri("POST", URL, status=201, headers={"X-Id": "7"}, body={"id": 7})
        self.register_uri("GET", URL, body=[b"ab", b"cd"], headers={"Transfer-Encoding": "chunked"})
        self.register_uri("HEAD", URL, body=b"ignored")
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, json={}) as response:
                await response.read()
            async with session.get(URL) as response:
                await response.read()
            async with session.head(URL) as response:
                pass
        posted, got, head = self.calls
        self.assertEqual(posted.response.status, 201)
        self.assertEqual(posted.response.headers["X-Id"], "7")
        self.assertEqual(posted.response.headers["Content-Type"], "application/json")
        self.assertEqual(posted.response.body, b'{"id": 7}')
        self.assertEqual(got.response.body, b"abcd")
        self.assertEqual(got.response.headers["Transfer-Encoding"], "chunked")
        self.assertEqual(head.response.body, b"")

    async def test_a_streamed_body_is_kept_up_to_a_mebibyte(self):
        async def small():
            yield b"ab"
            yield b"cd"

        async def large():
            for _ in range(3):
                yield b"x" * 2**19

        self.register_uri("GET", URL + "/small", body=small(), auto_length=False)
        self.register_uri("GET", URL + "/large", body=large(), auto_length=False)
        async with aiohttp.ClientSession() as session:
            for path in ("/small", "/large"):
                async with session.get(URL + path) as response:
                    await response.read()
        small_call, large_call = self.calls
        self.assertEqual((small_call.response.body, small_call.response.size), (b"abcd", 4))
        self.assertIsNone(large_call.response.body)
        self.assertEqual(large_call.response.size, 3 * 2**19)
        self.assertEqual(large_call.response.status, 200)

    async def test_a_callback_response_is_recorded(self):
        self.register_uri("GET", URL, callback=lambda call: {"status": 418, "body": b"teapot"})
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                await response.read()
        self.assertEqual((self.calls.last.response.status, self.calls.last.response.body), (418, b"teapot"))


class QueryTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_filter_with_the_criteria_of_assert_called(self):
        self.register_uri("*", "http://api.test/", prefix=True)
        async with aiohttp.ClientSession() as session:
            await session.post(URL, json={"n": 1})
            await session.post(URL, json={"n": 2}, headers={"X-Trace": "t"})
            await session.get(URL, params={"page": "2"})
        self.assertEqual(len(self.aiohttpretty.calls.filter("POST")), 2)
        self.assertEqual(len(self.aiohttpretty.calls.filter(url=URL, check_params=False)), 3)
        self.assertEqual([c.json() for c in self.get_calls("POST", URL, json={"n": 2})], [{"n": 2}])
        self.assertEqual(len(self.get_calls(headers={"X-Trace": ANY})), 1)
        self.assertEqual(len(self.get_calls("GET", URL, params={"page": "2"})), 1)
        self.assertEqual(self.get_calls("DELETE"), [])


class OrderTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_in_order_with_others_between(self):
        self.register_uri("*", "http://api.test/", prefix=True)
        async with aiohttp.ClientSession() as session:
            for path in ("/login", "/noise", "/data", "/logout"):
                await session.post("http://api.test" + path)
        self.assertCallsInOrder([("POST", "http://api.test/login"), ("POST", "http://api.test/logout")])
        self.aiohttpretty.assert_calls_in_order(
            [("POST", "http://api.test/login"), aiohttpretty.CallPattern("POST", "http://api.test/data")]
        )
        with self.assertRaises(AssertionError) as failure:
            self.assertCallsInOrder([("POST", "http://api.test/logout"), ("POST", "http://api.test/login")])
        message = str(failure.exception)
        self.assertIn("Expected requests in this order:\n  POST http://api.test/logout\n", message)
        self.assertIn("Not found in order: POST http://api.test/login", message)
        self.assertIn("Actual sequence:\n  POST http://api.test/login\n  POST http://api.test/noise", message)


class RouteManagementTest(aiohttpretty.AioHTTPrettyTestCase):
    assert_all_called = True

    async def test_optional_routes_need_not_be_requested(self):
        self.register_uri("GET", "http://api.test/health", optional=True)
        self.register_uri("GET", URL)
        async with aiohttp.ClientSession() as session:
            await session.get(URL)

    async def test_named_routes_are_replaced_and_removed(self):
        first = self.register_uri("GET", re_compile(), name="users", body=b"one")
        self.assertIs(self.aiohttpretty.route("users"), first)
        self.register_uri("GET", re_compile(), name="users", body=b"two")
        self.assertEqual(len(self.aiohttpretty.registry.routes()), 1)
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/users/1") as response:
                self.assertEqual(await response.read(), b"two")
            self.aiohttpretty.remove("users")
            with self.assertRaisesRegex(NoRouteMatched, "No routes are registered"):
                await session.get("http://api.test/users/1")
        self.assertEqual(len(self.calls), 1)
        with self.assertRaisesRegex(KeyError, "no route is named 'users'"):
            self.aiohttpretty.route("users")

    async def test_remove_a_route_object(self):
        route = self.register_uri("GET", URL, optional=True)
        self.aiohttpretty.remove(route)
        with self.assertRaisesRegex(ValueError, "is not registered"):
            self.aiohttpretty.remove(route)

    def test_unused_route_message_names_the_route(self):
        from aiohttpretty.assertions import unused_routes_message

        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", URL, name="items")
        mock.register_uri("GET", "http://api.test/other", optional=True)
        self.assertEqual(
            unused_routes_message(mock.registry.routes()),
            "Registered routes were never requested (assert_all_called is on):\n"
            "  GET http://api.test/items [items]",
        )


def re_compile():
    import re

    return re.compile(r"http://api\.test/users/\d+$")

"""Passthrough per route, by pattern or function of the URL, and of every
unmatched request: the response is the real server's (on 127.0.0.1), read by
aiohttp's parser; nothing passes through by default."""

from __future__ import annotations

import contextlib
import re
import unittest

import aiohttp

import aiohttpretty
from aiohttpretty import NoRouteMatched

from .realserver import start_real_server


class RoutePassthroughTest(aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.server = await start_real_server()
        self.base = f"http://127.0.0.1:{self.server.port}"

    async def asyncTearDown(self):
        await self.server.close()
        await super().asyncTearDown()

    async def test_a_route_that_passes_through(self):
        route = self.register_uri("GET", self.base + "/live", passthrough=True)
        self.register_uri("GET", self.base + "/mocked", body=b"mocked")
        async with aiohttp.ClientSession() as session:
            async with session.get(self.base + "/live") as response:
                self.assertEqual(await response.text(), "real /live")
                self.assertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")
            async with session.get(self.base + "/mocked") as response:
                self.assertEqual(await response.read(), b"mocked")
            with self.assertRaises(NoRouteMatched):
                await session.get(self.base + "/other")
        self.assertEqual(route.call_count, 1)
        self.assertEqual(self.calls[0].response.status, 200)

    async def test_a_prefix_route_passes_a_whole_tree_through(self):
        self.register_uri("*", self.base + "/api", prefix=True, passthrough=True)
        async with aiohttp.ClientSession() as session:
            for path in ("/api/a", "/api/b/c?x=1"):
                async with session.get(self.base + path) as response:
                    self.assertEqual(await response.text(), "real " + path.split("?")[0])

    async def test_patterns_and_functions_of_the_url(self):
        self.aiohttpretty.activate(
            passthrough=[re.compile(r"http://127\.0\.0\.1:\d+/live"), lambda url: url.path == "/fn"]
        )
        async with aiohttp.ClientSession() as session:
            for path in ("/live/1", "/fn"):
                async with session.get(self.base + path) as response:
                    self.assertEqual(await response.text(), "real " + path)
            with self.assertRaises(NoRouteMatched):
                await session.get(self.base + "/not-listed")
        self.assertEqual([call.url.path for call in self.aiohttpretty.passed_through], ["/live/1", "/fn"])

    async def test_nothing_passes_through_by_default(self):
        async with aiohttp.ClientSession() as session:
            with self.assertRaises(NoRouteMatched):
                await session.get(self.base + "/live")

    def test_passthrough_rules_are_checked(self):
        with self.assertRaisesRegex(TypeError, "passthrough must be a list of host names"):
            self.aiohttpretty.activate(passthrough=[3])
        with self.assertRaisesRegex(TypeError, "passthrough must be True or False"):
            self.register_uri("GET", self.base, passthrough="yes")
        with self.assertRaisesRegex(TypeError, "passthrough_unmatched must be True or False"):
            self.aiohttpretty.activate(passthrough_unmatched=1)


class UnmatchedPassthroughTest(aiohttpretty.AioHTTPrettyTestCase):
    passthrough_unmatched = True

    async def test_every_unmatched_request_reaches_the_network(self):
        server = await start_real_server("live")
        try:
            base = f"http://127.0.0.1:{server.port}"
            self.register_uri("GET", base + "/mocked", body=b"mocked")
            async with aiohttp.ClientSession() as session:
                async with session.get(base + "/mocked") as response:
                    self.assertEqual(await response.read(), b"mocked")
                async with session.get(base + "/anything") as response:
                    self.assertEqual(await response.text(), "live /anything")
                async with session.post(base + "/anything", data=b"x") as response:
                    self.assertEqual(response.status, 405)  # the real server's answer
        finally:
            await server.close()
        self.assertEqual(len(self.aiohttpretty.passed_through), 2)
        self.assertEqual(self.aiohttpretty.unmatched, [])

    async def test_a_host_that_refuses_fails_as_a_connection_error(self):
        server = await start_real_server()
        port = server.port
        await server.close()
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(aiohttp.ClientOSError, "passthrough_unmatched"):
                await session.post(f"http://127.0.0.1:{port}/gone")


class UnmatchedPassthroughInMockedTest(unittest.IsolatedAsyncioTestCase):
    async def test_mocked_sends_unmatched_requests_to_the_network(self):
        server = await start_real_server("live")
        try:
            base = f"http://127.0.0.1:{server.port}"
            async with aiohttpretty.mocked(passthrough_unmatched=True) as mock:
                mock.register_uri("GET", base + "/mocked", body=b"mocked")
                async with aiohttp.ClientSession() as session:
                    async with session.get(base + "/mocked") as response:
                        self.assertEqual(await response.read(), b"mocked")
                    async with session.get(base + "/anything") as response:
                        self.assertEqual(await response.text(), "live /anything")
                self.assertEqual([call.url.path for call in mock.passed_through], ["/anything"])
        finally:
            await server.close()

    async def test_as_a_decorator(self):
        server = await start_real_server("live")
        base = f"http://127.0.0.1:{server.port}"

        @aiohttpretty.mocked(passthrough_unmatched=True)
        async def fetch():
            async with aiohttp.ClientSession() as session, session.get(base + "/x") as response:
                return await response.text()

        try:
            self.assertEqual(await fetch(), "live /x")
        finally:
            await server.close()

    async def test_never_the_default(self):
        server = await start_real_server("live")
        try:
            with self.assertRaises(AssertionError):
                async with aiohttpretty.mocked():
                    async with aiohttp.ClientSession() as session:
                        with contextlib.suppress(NoRouteMatched):
                            await session.get(f"http://127.0.0.1:{server.port}/x")
        finally:
            await server.close()

    def test_the_option_is_checked(self):
        with self.assertRaisesRegex(TypeError, r"mocked\(passthrough_unmatched=...\) must be True or False"):
            aiohttpretty.mocked(passthrough_unmatched="yes")

"""``aiohttpretty.mocked()``: a fresh, active mock for a block or a function,
without a test framework.  Plain unittest: runs without pytest installed."""

from __future__ import annotations

import asyncio
import inspect
import unittest

import aiohttp

import aiohttpretty
from aiohttpretty import mocked

from .realserver import start_real_server


async def get(url: str, method: str = "GET") -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url) as response:
            return await response.read()


def fetch(url: str, method: str = "GET") -> bytes:
    return asyncio.run(get(url, method))


#: What the interception replaces while a mock is active, as it was at import.
SEAMS = [
    (aiohttp.ClientSession, "_request"),
    (aiohttp.BaseConnector, "_create_connection"),
    (aiohttp.TCPConnector, "_create_connection"),
]
ORIGINALS = [cls.__dict__[name] for cls, name in SEAMS]


class MockedTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.default = aiohttpretty.current()
        self.assert_restored()

    def assert_restored(self) -> None:
        self.assertIs(aiohttpretty.current(), self.default)
        self.assertFalse(self.default.is_active)
        self.assertEqual([cls.__dict__[name] for cls, name in SEAMS], ORIGINALS)

    def assert_fresh_and_active(self, mock: aiohttpretty.AioHTTPretty) -> None:
        self.assertIsInstance(mock, aiohttpretty.AioHTTPretty)
        self.assertIsNot(mock, self.default)
        self.assertIs(aiohttpretty.current(), mock)
        self.assertTrue(mock.is_active)
        self.assertEqual(len(mock.registry), 0)
        self.assertEqual(list(mock.calls), [])


class WithStatementTest(MockedTestCase):
    def test_with_gives_a_fresh_active_mock_for_the_module_level_api(self):
        with mocked() as mock:
            self.assert_fresh_and_active(mock)
            aiohttpretty.register_uri("GET", "http://api.test/x", params={"page": 1}, body=b"one")
            self.assertEqual(fetch("http://api.test/x?page=1"), b"one")
            self.assertTrue(aiohttpretty.has_call("http://api.test/x", params={"page": 1}))
            self.assertEqual([call["uri"] for call in aiohttpretty.calls], ["http://api.test/x?page=1"])
            self.assertIs(aiohttpretty.calls, mock.calls)
        self.assert_restored()
        # Cleared on exit: nothing leaks into the next block.
        self.assertFalse(mock.is_active)
        self.assertEqual(len(mock.registry), 0)
        self.assertEqual(list(mock.calls), [])

    def test_each_block_gets_its_own_mock(self):
        with mocked() as first:
            aiohttpretty.register_uri("GET", "http://api.test/x", body=b"x")
        with mocked() as second:
            self.assert_fresh_and_active(second)
            self.assertIsNot(first, second)
            with self.assertRaises(aiohttpretty.NoRouteMatched):
                fetch("http://api.test/x")
        self.assert_restored()

    def test_an_unregistered_request_raises_inside_the_block(self):
        with mocked() as mock:
            mock.register_uri("GET", "http://api.test/known")
            fetch("http://api.test/known")
            with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "GET http://api.test/unknown"):
                fetch("http://api.test/unknown")
            self.assertEqual(mock.unmatched, [])  # expected by assertRaises: not a failure
        self.assert_restored()

    def test_a_swallowed_refusal_fails_the_block(self):
        with self.assertRaisesRegex(AssertionError, "matched no registered route.*\n  GET http://api.test/x"):
            with mocked() as mock:
                try:
                    fetch("http://api.test/x")
                except aiohttpretty.NoRouteMatched:
                    pass  # the code under test swallowed it
                self.assertEqual([str(call.url) for call in mock.unmatched], ["http://api.test/x"])
        self.assert_restored()

    def test_a_too_wide_expectation_does_not_forgive(self):
        with self.assertRaisesRegex(AssertionError, "matched no registered route"):
            with mocked():
                with self.assertRaises(Exception):  # noqa: B017 (too wide on purpose)
                    fetch("http://api.test/x")
        self.assert_restored()

    def test_assert_all_called(self):
        with self.assertRaisesRegex(AssertionError, "never requested.*\n  GET http://api.test/unused"):
            with mocked(assert_all_called=True) as mock:
                mock.register_uri("GET", "http://api.test/unused")
        with mocked(assert_all_called=True) as mock:
            mock.register_uri("GET", "http://api.test/used")
            fetch("http://api.test/used")
        self.assert_restored()

    def test_assertion_helpers_on_the_mock(self):
        with mocked() as mock:
            mock.register_uri("POST", "http://api.test/x")
            fetch("http://api.test/x", method="POST")
            mock.assert_called("POST", "http://api.test/x")
            mock.assert_call_count("POST", "http://api.test/x", 1)
            mock.assert_not_called("GET", "http://api.test/x")
            with self.assertRaisesRegex(AssertionError, "Expected request not made"):
                mock.assert_called("GET", "http://api.test/x")
            with mock.raises(aiohttpretty.NoRouteMatched, match="GET http://api.test/y") as refused:
                fetch("http://api.test/y")
            self.assertEqual(str(refused.exception.call.url), "http://api.test/y")

    def test_unknown_options_and_bad_option_types_raise(self):
        with mocked() as mock:
            with self.assertRaisesRegex(TypeError, "did you mean 'status'"):
                mock.register_uri("GET", "http://api.test/x", stauts=1)
        with self.assertRaisesRegex(TypeError, "assert_all_called=...\\) must be True or False"):
            mocked(assert_all_called="yes")
        self.assert_restored()

    def test_the_default_mock_is_left_as_it_was(self):
        self.addCleanup(aiohttpretty.clear)
        aiohttpretty.register_uri("GET", "http://api.test/default", body=b"default")
        with mocked():
            self.assertEqual(len(aiohttpretty.registry), 0)
        self.assert_restored()
        self.assertEqual(len(self.default.registry), 1)

    def test_restored_after_an_exception(self):
        with self.assertRaises(ValueError):
            with mocked() as mock:
                mock.register_uri("GET", "http://api.test/x")
                raise ValueError("boom")
        self.assert_restored()
        self.assertFalse(mock.is_active)
        self.assertEqual(len(mock.registry), 0)

    def test_restored_after_a_refused_request_escapes(self):
        with self.assertRaises(aiohttpretty.NoRouteMatched):
            with mocked():
                fetch("http://api.test/unknown")
        self.assert_restored()

    def test_restored_after_the_block_deactivates_itself(self):
        with mocked() as mock:
            aiohttpretty.activate()  # idempotent
            aiohttpretty.deactivate()
            self.assertFalse(mock.is_active)
        self.assert_restored()

    def test_a_failing_activation_leaves_nothing_behind(self):
        with self.assertRaises(TypeError):
            with mocked(passthrough=[""]):
                self.fail("the block must not run")
        self.assert_restored()


class AsyncWithTest(MockedTestCase):
    def test_async_with(self):
        async def scenario() -> aiohttpretty.AioHTTPretty:
            async with mocked() as mock:
                self.assert_fresh_and_active(mock)
                aiohttpretty.register_json_uri("GET", "http://api.test/j", body={"a": 1})
                self.assertEqual(await get("http://api.test/j"), b'{"a": 1}')
                self.assertEqual(len(mock.calls), 1)
            self.assert_restored()
            return mock

        mock = asyncio.run(scenario())
        self.assertEqual(list(mock.calls), [])

    def test_async_with_restored_after_an_exception(self):
        async def scenario() -> None:
            async with mocked():
                await get("http://api.test/unknown")

        with self.assertRaises(aiohttpretty.NoRouteMatched):
            asyncio.run(scenario())
        self.assert_restored()


class DecoratorTest(MockedTestCase):
    def test_decorated_function_runs_with_a_fresh_mock_each_call(self):
        seen = []

        @mocked()
        def download(url: str) -> bytes:
            """Download url."""
            mock = aiohttpretty.current()
            self.assert_fresh_and_active(mock)
            seen.append(mock)
            aiohttpretty.register_uri("GET", url, body=b"payload")
            return fetch(url)

        self.assertEqual(download.__name__, "download")
        self.assertEqual(download.__doc__, "Download url.")
        self.assertEqual(download("http://api.test/a"), b"payload")
        self.assert_restored()
        self.assertEqual(download("http://api.test/b"), b"payload")
        self.assert_restored()
        self.assertIsNot(seen[0], seen[1])

    def test_decorated_coroutine_function(self):
        @mocked()
        async def download(url: str, *, body: bytes) -> bytes:
            self.assert_fresh_and_active(aiohttpretty.current())
            aiohttpretty.register_uri("GET", url, body=body)
            return await get(url)

        self.assertTrue(inspect.iscoroutinefunction(download))
        # Nothing is active until the coroutine runs.
        coroutine = download("http://api.test/a", body=b"async")
        self.assert_restored()
        self.assertEqual(asyncio.run(coroutine), b"async")
        self.assert_restored()

    def test_decorated_method(self):
        class Client:
            base = "http://api.test/"

            @mocked()
            def ping(self) -> bytes:
                aiohttpretty.register_uri("GET", self.base + "ping", body=b"pong")
                return fetch(self.base + "ping")

        self.assertEqual(Client().ping(), b"pong")
        self.assert_restored()

    def test_restored_after_the_decorated_function_raises(self):
        @mocked()
        def sync_fails() -> None:
            fetch("http://api.test/unknown")

        @mocked()
        async def async_fails() -> None:
            raise KeyError("boom")

        with self.assertRaises(aiohttpretty.NoRouteMatched):
            sync_fails()
        self.assert_restored()
        with self.assertRaises(KeyError):
            asyncio.run(async_fails())
        self.assert_restored()


class NestingTest(MockedTestCase):
    def test_inner_block_is_fresh_and_the_outer_is_restored_after(self):
        with mocked() as outer:
            outer.register_uri("GET", "http://api.test/outer", body=b"outer")
            self.assertEqual(fetch("http://api.test/outer"), b"outer")
            with mocked() as inner:
                self.assert_fresh_and_active(inner)
                aiohttpretty.register_uri("GET", "http://api.test/inner", body=b"inner")
                self.assertEqual(fetch("http://api.test/inner"), b"inner")
                # The inner mock answers alone: the outer route is not visible.
                with self.assertRaises(aiohttpretty.NoRouteMatched):
                    fetch("http://api.test/outer")
            self.assertIs(aiohttpretty.current(), outer)
            self.assertTrue(outer.is_active)
            self.assertFalse(inner.is_active)
            self.assertEqual(fetch("http://api.test/outer"), b"outer")
            self.assertEqual([str(call.url) for call in outer.calls], ["http://api.test/outer"] * 2)
            with self.assertRaises(aiohttpretty.NoRouteMatched):
                fetch("http://api.test/inner")
        self.assert_restored()

    def test_one_instance_used_twice_nested(self):
        scoped = mocked()
        with scoped as first:
            with scoped as second:
                self.assertIsNot(first, second)
                self.assert_fresh_and_active(second)
            self.assertIs(aiohttpretty.current(), first)
            self.assertTrue(first.is_active)
        self.assert_restored()

    def test_inner_exception_restores_the_outer_mock(self):
        with mocked() as outer:
            outer.register_uri("GET", "http://api.test/outer", body=b"outer")
            with self.assertRaises(RuntimeError):
                with mocked():
                    raise RuntimeError("inner")
            self.assertIs(aiohttpretty.current(), outer)
            self.assertEqual(fetch("http://api.test/outer"), b"outer")
        self.assert_restored()

    def test_inside_an_aiohttpretty_test_case(self):
        outcome: list[str] = []

        class Case(aiohttpretty.AioHTTPrettyTestCase):
            async def test(self) -> None:
                self.register_uri("GET", "http://api.test/case", body=b"case")
                async with mocked() as inner:
                    self.assertIsNot(inner, self.aiohttpretty)
                    self.assertIs(aiohttpretty.current(), inner)
                    inner.register_uri("GET", "http://api.test/inner", body=b"inner")
                    self.assertEqual(await get("http://api.test/inner"), b"inner")
                self.assertIs(aiohttpretty.current(), self.aiohttpretty)
                self.assertEqual(await get("http://api.test/case"), b"case")
                self.assertCallCount("GET", "http://api.test/case", 1)
                self.assertNotCalled("GET", "http://api.test/inner")
                outcome.append("ran")

        result = unittest.TestResult()
        Case("test").run(result)
        self.assertEqual(result.failures + result.errors, [])
        self.assertEqual(outcome, ["ran"])
        self.assert_restored()


class PassthroughTest(MockedTestCase):
    async def serve_and_fetch(self, mocked_url: str) -> tuple[bytes, bytes]:
        server = await start_real_server()
        try:
            return await get(str(server.make_url("/"))), await get(mocked_url)
        finally:
            await server.close()

    def test_passthrough_hosts_reach_the_network_the_rest_stays_mocked(self):
        async def scenario() -> tuple[bytes, bytes]:
            async with mocked(passthrough=["127.0.0.1"]) as mock:
                mock.register_uri("GET", "http://api.test/", body=b"mocked")
                result = await self.serve_and_fetch("http://api.test/")
                self.assertEqual([call.url.host for call in mock.calls], ["api.test"])
                return result

        self.assertEqual(asyncio.run(scenario()), (b"real /", b"mocked"))
        self.assert_restored()

    def test_passthrough_in_the_decorator(self):
        @mocked(passthrough="127.0.0.1")
        async def scenario() -> tuple[bytes, bytes]:
            aiohttpretty.register_uri("GET", "http://api.test/", body=b"mocked")
            return await self.serve_and_fetch("http://api.test/")

        self.assertEqual(asyncio.run(scenario()), (b"real /", b"mocked"))
        self.assert_restored()

    def test_without_passthrough_the_local_server_is_mocked_too(self):
        async def scenario() -> None:
            with mocked():
                await self.serve_and_fetch("http://api.test/")

        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, r"GET http://127\.0\.0\.1:\d+/"):
            asyncio.run(scenario())
        self.assert_restored()

    def test_passthrough_of_one_block_does_not_outlive_it(self):
        async def scenario() -> None:
            with mocked(passthrough=["127.0.0.1"]):
                pass
            with mocked():
                await self.serve_and_fetch("http://api.test/")

        with self.assertRaises(aiohttpretty.NoRouteMatched):
            asyncio.run(scenario())
        self.assert_restored()


if __name__ == "__main__":
    unittest.main()

"""AioHTTPrettyTestCase: its lifecycle, forwarding methods, assertions and
strictness.  Plain unittest, runnable without pytest.

Tests that something *fails* run a small inner suite with unittest's own runner
and look at its failures and errors.  The inner test classes are defined inside
functions, so that no test loader collects them on their own.
"""

from __future__ import annotations

import asyncio
import io
import threading
import unittest
from typing import Any

import aiohttp

import aiohttpretty
from aiohttpretty import _seam, scope

from .realserver import start_real_server

# The attributes interception.py patches, as aiohttp defines them.
ORIGINALS = {
    (cls, name): cls.__dict__[name]
    for cls, name in [
        (aiohttp.BaseConnector, "_create_connection"),
        (aiohttp.TCPConnector, "_create_connection"),
        (aiohttp.UnixConnector, "_create_connection"),
        (aiohttp.ClientSession, "_request"),
    ]
}


def patched_attributes() -> list[str]:
    """The patchable attributes that are not aiohttp's originals now."""
    return [
        f"{cls.__name__}.{name}"
        for (cls, name), original in ORIGINALS.items()
        if cls.__dict__[name] is not original
    ]


async def send(method: str, url: str, **kwargs: Any) -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, **kwargs) as response:
            return await response.read()


async def get(url: str, **kwargs: Any) -> bytes:
    return await send("GET", url, **kwargs)


async def swallowing_get(url: str) -> bytes | None:
    """Code under test that hides every error."""
    try:
        return await get(url)
    except Exception:
        return None


def get_in_a_thread(url: str) -> bytes:
    """A synchronous function making a request (on an event loop of its own)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["body"] = asyncio.run(get(url))
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["body"]  # type: ignore[no-any-return]


def real_request() -> str:
    """A request to a real local server, made with plain aiohttp."""

    async def main() -> str:
        server = await start_real_server("real server")
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(server.make_url("/")) as response:
                    return await response.text()
        finally:
            await server.close()

    return asyncio.run(main())


def run_tests(*tests: unittest.TestCase) -> unittest.TestResult:
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(unittest.TestSuite(tests))
    assert isinstance(result, unittest.TestResult)
    return result


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    return run_tests(*unittest.defaultTestLoader.loadTestsFromTestCase(case))


def reports(result: unittest.TestResult) -> dict[str, list[tuple[str, str]]]:
    """Test method name -> its reported problems, as ``(kind, traceback text)``."""
    found: dict[str, list[tuple[str, str]]] = {}
    for kind, entries in (("failure", result.failures), ("error", result.errors)):
        for test, text in entries:
            name = getattr(test, "test_case", test)._testMethodName
            found.setdefault(name, []).append((kind, text))
    return found


def message(text: str) -> str:
    """The exception message at the end of a reported traceback."""
    return text.split("AssertionError: ", 1)[-1] if "AssertionError: " in text else text


class RestoredMixin(unittest.TestCase):
    """Checks that aiohttp is itself again after each inner suite."""

    def assertRestored(self) -> None:
        self.assertEqual(patched_attributes(), [])
        self.assertEqual(_seam._active, [])
        self.assertEqual(scope._stack, [])
        self.assertIsNone(_seam.active())
        self.assertEqual(real_request(), "real server /")


class LifecycleTest(RestoredMixin):
    def test_the_restore_check_detects_an_active_mock(self):
        # The check used everywhere below can fail.
        mock = aiohttpretty.AioHTTPretty()
        mock.activate()
        try:
            self.assertNotEqual(patched_attributes(), [])
            with self.assertRaises(aiohttpretty.NoRouteMatched):
                real_request()
        finally:
            mock.deactivate()
        self.assertRestored()

    def test_every_test_gets_a_fresh_active_mock_cleared_after(self):
        seen: list[tuple[str, aiohttpretty.AioHTTPretty, list[str]]] = []

        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def check(self, name: str) -> None:
                mock = self.aiohttpretty
                self.assertTrue(mock.is_active)
                self.assertIs(aiohttpretty.current(), mock)
                self.assertIs(_seam.active(), mock)
                self.assertEqual((len(mock.registry), len(mock.calls), len(mock.unmatched)), (0, 0, 0))
                seen.append((name, mock, patched_attributes()))
                self.register_uri("GET", "http://api.test/x", body=name)
                self.assertEqual(await get("http://api.test/x"), name.encode())

            async def test_one(self):
                await self.check("one")

            async def test_two(self):
                await self.check("two")

        result = run_case(Inner)
        self.assertTrue(result.wasSuccessful(), reports(result))
        self.assertEqual([name for name, _, _ in seen], ["one", "two"])
        self.assertIsNot(seen[0][1], seen[1][1])
        for _, mock, patched in seen:
            self.assertEqual(len(patched), len(ORIGINALS))  # aiohttp was patched during the test
            self.assertFalse(mock.is_active)
            self.assertEqual((len(mock.registry), len(mock.calls)), (0, 0))
        self.assertRestored()

    def test_async_set_up_failing_half_way_restores_aiohttp(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def asyncSetUp(self):
                await super().asyncSetUp()
                self.register_uri("GET", "http://api.test/x")
                raise RuntimeError("asyncSetUp broke half way")

            async def test_never_runs(self):
                raise AssertionError("the test ran")

        result = run_case(Inner)
        self.assertEqual([kind for kind, _ in reports(result)["test_never_runs"]], ["error"])
        self.assertIn("asyncSetUp broke half way", reports(result)["test_never_runs"][0][1])
        self.assertRestored()

    def test_set_up_failing_after_super_restores_aiohttp(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            def setUp(self):
                super().setUp()
                raise RuntimeError("setUp broke")

            async def test_never_runs(self):
                raise AssertionError("the test ran")

        result = run_case(Inner)
        self.assertIn("setUp broke", reports(result)["test_never_runs"][0][1])
        self.assertRestored()

    def test_a_test_that_raises_restores_aiohttp(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_raises(self):
                self.register_uri("GET", "http://api.test/x")
                await get("http://api.test/x")
                raise KeyError("the test broke")

            async def test_fails(self):
                self.fail("the test failed")

        result = run_case(Inner)
        found = reports(result)
        self.assertEqual([kind for kind, _ in found["test_raises"]], ["error"])
        self.assertIn("the test broke", found["test_raises"][0][1])
        self.assertEqual([kind for kind, _ in found["test_fails"]], ["failure"])
        self.assertRestored()

    def test_async_tear_down_raising_restores_aiohttp(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def asyncTearDown(self):
                await super().asyncTearDown()
                raise RuntimeError("asyncTearDown broke")

            async def test_passes(self):
                self.register_uri("GET", "http://api.test/x")
                await get("http://api.test/x")

        result = run_case(Inner)
        self.assertIn("asyncTearDown broke", reports(result)["test_passes"][0][1])
        self.assertRestored()

    def test_subclass_set_up_orders_all_work(self):
        class SuperFirst(aiohttpretty.AioHTTPrettyTestCase):
            async def asyncSetUp(self):
                await super().asyncSetUp()
                self.register_uri("GET", "http://api.test/own", body=b"own")
                aiohttpretty.register_uri("GET", "http://api.test/module", body=b"module")

            async def test_routes_from_async_set_up(self):
                self.assertEqual(await get("http://api.test/own"), b"own")
                self.assertEqual(await get("http://api.test/module"), b"module")

        class SuperLast(SuperFirst):
            async def asyncSetUp(self):
                self.register_uri("GET", "http://api.test/own", body=b"own")
                aiohttpretty.register_uri("GET", "http://api.test/module", body=b"module")
                await super(SuperFirst, self).asyncSetUp()

        class SuperLastWithoutSuperInSetUp(SuperLast):
            def setUp(self):
                pass  # no super(): the mock starts when asyncSetUp first uses it

        class ModuleLevelFirstWithoutSuperInSetUp(SuperLast):
            def setUp(self):
                pass

            async def asyncSetUp(self):
                await super(SuperFirst, self).asyncSetUp()
                aiohttpretty.register_uri("GET", "http://api.test/module", body=b"module")
                self.register_uri("GET", "http://api.test/own", body=b"own")

        class SyncSetUp(aiohttpretty.AioHTTPrettyTestCase):
            def setUp(self):
                super().setUp()
                self.register_uri("GET", "http://api.test/own", body=b"own")

            async def test_route_from_set_up(self):
                self.assertEqual(await get("http://api.test/own"), b"own")
                self.assertCallCount("GET", "http://api.test/own", 1)

        tests = [
            SuperFirst("test_routes_from_async_set_up"),
            SuperLast("test_routes_from_async_set_up"),
            SuperLastWithoutSuperInSetUp("test_routes_from_async_set_up"),
            ModuleLevelFirstWithoutSuperInSetUp("test_routes_from_async_set_up"),
            SyncSetUp("test_route_from_set_up"),
        ]
        result = run_tests(*tests)
        self.assertEqual(result.testsRun, 5)
        self.assertTrue(result.wasSuccessful(), reports(result))
        self.assertEqual(len(scope.current().registry), 0)  # nothing went to the default mock
        self.assertRestored()

    def test_tests_of_two_classes_mixed_never_see_each_other(self):
        class First(aiohttpretty.AioHTTPrettyTestCase):
            prefix = "first"

            async def check(self, number: int) -> None:
                own = f"http://{self.prefix}.test/{number}"
                self.assertEqual(len(self.aiohttpretty.registry), 0)
                self.assertEqual(len(aiohttpretty.registry), 0)
                self.assertEqual(len(aiohttpretty.calls), 0)
                if number % 2:
                    self.register_uri("GET", own, body=own)
                else:
                    aiohttpretty.register_uri("GET", own, body=own)
                self.register_uri("GET", "http://shared.test/", body=own)
                self.assertEqual(await get(own), own.encode())
                self.assertEqual(await get("http://shared.test/"), own.encode())
                for other in ("first", "second"):
                    for other_number in (1, 2):
                        url = f"http://{other}.test/{other_number}"
                        if url != own:
                            with self.assertRaises(aiohttpretty.NoRouteMatched):
                                await get(url)
                self.assertEqual([str(call.url) for call in self.calls], [own, "http://shared.test/"])
                self.assertIs(aiohttpretty.calls, self.calls)

            async def test_1(self):
                await self.check(1)

            async def test_2(self):
                await self.check(2)

        class Second(First):
            prefix = "second"

        tests = [First("test_1"), Second("test_1"), Second("test_2"), First("test_2")]
        result = run_tests(*tests)
        self.assertEqual(result.testsRun, 4)
        self.assertTrue(result.wasSuccessful(), reports(result))
        self.assertEqual(len(scope.current().registry), 0)  # the default mock was never touched
        self.assertRestored()


class ForwardingTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_register_uri_answers_and_returns_the_route(self):
        route = self.register_uri("GET", "http://api.test/x", params={"page": 1}, status=201, body="hé")
        self.assertIsInstance(route, aiohttpretty.Route)
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/x?page=1") as response:
                self.assertEqual((response.status, await response.text()), (201, "hé"))
        self.assertEqual(route.call_count, 1)
        self.assertIs(route.calls[0], self.calls[0])

    async def test_register_json_uri_encodes_the_body(self):
        self.register_json_uri("GET", "http://api.test/x", body={"dog": "woof"})
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/x") as response:
                self.assertEqual(response.headers["Content-Type"], "application/json")
                self.assertEqual(await response.json(), {"dog": "woof"})

    def test_unknown_option_is_a_type_error_naming_the_close_valid_one(self):
        with self.assertRaisesRegex(TypeError, r"unknown option 'stauts' \(did you mean 'status'\?\)"):
            self.register_uri("GET", "http://api.test/x", stauts=404)
        with self.assertRaisesRegex(TypeError, r"unknown option 'bdy' \(did you mean 'body'\?\)"):
            self.register_json_uri("GET", "http://api.test/x", bdy={})
        self.assertEqual(len(self.aiohttpretty.registry), 0)

    def test_module_level_register_only_warns_on_an_unknown_option(self):
        with self.assertWarnsRegex(aiohttpretty.UnknownOptionWarning, "did you mean 'status'"):
            aiohttpretty.register_uri("GET", "http://api.test/x", stauts=404)
        self.assertEqual(list(self.aiohttpretty.registry), [("GET", "http://api.test/x")])

    async def test_fake_request_answers_from_the_tests_routes(self):
        self.register_uri("POST", "http://api.test/x", status=202, body=b"taken")
        response = await self.fake_request("POST", "http://api.test/x", json={"a": 1})
        self.assertIsInstance(response, aiohttp.ClientResponse)
        self.assertEqual((response.status, await response.read()), (202, b"taken"))
        self.assertEqual(self.calls.last.json(), {"a": 1})
        with self.assertRaises(aiohttpretty.NoRouteMatched):
            await self.fake_request("GET", "http://api.test/elsewhere")

    async def test_calls_record_the_request_as_sent_and_as_passed(self):
        self.register_uri("POST", "http://api.test/items")
        self.register_uri("GET", "http://api.test/items", params={"page": 2})
        await send("POST", "http://api.test/items", json={"name": "x"}, headers={"X-Id": "7"})
        await get("http://api.test/items", params={"page": 2})

        self.assertEqual(len(self.calls), 2)
        post, page = self.calls
        self.assertIsInstance(post, aiohttpretty.Call)
        self.assertEqual((post.method, str(post.url)), ("POST", "http://api.test/items"))
        self.assertEqual(post.headers["x-id"], "7")
        self.assertEqual(post.headers["Content-Type"], "application/json")
        self.assertEqual(post.body, b'{"name": "x"}')
        self.assertEqual(post.json(), {"name": "x"})
        self.assertEqual(post["method"], "POST")
        self.assertEqual(post["uri"], "http://api.test/items")
        self.assertEqual(post["headers"], {"X-Id": "7"})  # as passed, not as sent
        self.assertEqual(post["json"], {"name": "x"})
        self.assertEqual(str(page.url), "http://api.test/items?page=2")
        self.assertEqual(page["uri"], "http://api.test/items?page=2")
        self.assertIs(self.calls.last, page)

    async def test_has_call(self):
        self.register_uri("GET", "http://api.test/x", params={"page": 1})
        await get("http://api.test/x?page=1", headers={"X-Id": "1"})
        self.assertTrue(self.has_call("http://api.test/x", params={"page": 1}))
        self.assertTrue(self.has_call("http://api.test/x?page=1", method="GET", headers={"X-Id": "1"}))
        self.assertTrue(self.has_call("http://api.test/x", check_params=False))
        self.assertFalse(self.has_call("http://api.test/x"))
        self.assertFalse(self.has_call("http://api.test/x?page=1", method="POST"))
        self.assertFalse(self.has_call("http://api.test/x?page=1", headers={"X-Id": "2"}))

    async def test_module_level_api_acts_on_the_tests_mock(self):
        self.assertIs(aiohttpretty.current(), self.aiohttpretty)
        route = aiohttpretty.register_json_uri("GET", "http://api.test/x", body=[1])
        self.assertIs(self.aiohttpretty.registry["GET", "http://api.test/x"], route)
        self.assertEqual(await get("http://api.test/x"), b"[1]")
        response = await aiohttpretty.fake_request("GET", "http://api.test/x")
        self.assertEqual(await response.json(), [1])
        self.assertIs(aiohttpretty.calls, self.calls)
        self.assertEqual(len(self.calls), 2)
        self.assertTrue(aiohttpretty.has_call("http://api.test/x"))
        aiohttpretty.clear()
        self.assertEqual((len(self.aiohttpretty.registry), len(self.calls)), (0, 0))

    async def test_refused_request_is_forgiven_by_assert_raises(self):
        with self.assertRaises(aiohttpretty.NoRouteMatched) as caught:
            await get("http://api.test/missing")
        self.assertEqual(str(caught.exception.call.url), "http://api.test/missing")
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched, r"No route matches GET http://api.test/other"
        ):
            await get("http://api.test/other")
        self.assertRaises(aiohttpretty.NoRouteMatched, get_in_a_thread, "http://api.test/third")
        self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "third", get_in_a_thread, "http://api.test/third")
        self.assertEqual(self.aiohttpretty.unmatched, [])

    async def test_assertions_that_hold(self):
        self.register_uri("POST", "http://api.test/form")
        self.register_uri("POST", "http://api.test/json")
        self.register_uri("GET", "http://api.test/list", params={"page": 1})
        self.register_uri("GET", "http://api.test/list", params={"page": 2})
        await send("POST", "http://api.test/form", data={"b": "2", "a": "1"}, headers={"X-Id": "1"})
        await send("POST", "http://api.test/form", data="héllo")
        await send("POST", "http://api.test/json", json={"a": [1, 2]})
        await get("http://api.test/list", params={"page": 1})
        await get("http://api.test/list", params={"page": 2})

        self.assertCalled("POST", "http://api.test/form", data={"a": "1", "b": "2"})
        self.assertCalled(
            "post", "http://api.test/form", data=[("b", "2"), ("a", "1")], headers={"x-ID": "1"}
        )
        self.assertCalled("POST", "http://api.test/form", data="héllo")
        self.assertCalled("POST", "http://api.test/form", data="héllo".encode())
        self.assertCalled("POST", "http://api.test/json", json={"a": [1, 2]})
        self.assertCalled("POST", "http://api.test/json", headers={"content-type": "application/json"})
        self.assertCalled("GET", "http://api.test/list", params={"page": 2})
        self.assertCalled("GET", "http://api.test/list?page=1")
        self.assertNotCalled("GET", "http://api.test/list")
        self.assertNotCalled("GET", "http://api.test/list", params={"page": 3})
        self.assertNotCalled("POST", "http://api.test/form", data="other")
        self.assertNotCalled("POST", "http://api.test/json", json={"a": [2, 1]})
        self.assertNotCalled("DELETE", "http://api.test/form", check_params=False)
        self.assertCallCount("GET", "http://api.test/list", 2, check_params=False)
        self.assertCallCount("POST", "http://api.test/form", 2)
        self.assertCallCount("POST", "http://api.test/form", 1, headers={"X-Id": "1"})
        self.assertCallCount("PUT", "http://api.test/form", 0)

    def test_assertion_arguments_are_checked(self):
        with self.assertRaisesRegex(TypeError, "headers must be a mapping"):
            self.assertCalled("GET", "http://api.test/x", headers=["X-Id"])  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "data must be bytes, str, or a mapping"):
            self.assertCalled("GET", "http://api.test/x", data=12)
        with self.assertRaisesRegex(TypeError, "count must be an int >= 0"):
            self.assertCallCount("GET", "http://api.test/x", "1")  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "count must be an int >= 0"):
            self.assertCallCount("GET", "http://api.test/x", -1)

    def test_assert_raises_keeps_unittest_behaviour(self):
        with self.assertRaisesRegex(AssertionError, "ValueError not raised : why"):
            with self.assertRaises(ValueError, msg="why"):
                pass
        with self.assertRaisesRegex(AssertionError, "ValueError not raised by int"):
            self.assertRaises(ValueError, int, "1")
        with self.assertRaisesRegex(TypeError, "'bogus' is an invalid keyword argument"):
            self.assertRaises(ValueError, bogus=1)
        self.assertRaises(ValueError, int, "x", base=10)  # keywords go to the callable
        with self.assertRaisesRegex(AssertionError, '"x" does not match "y"'):
            with self.assertRaisesRegex(ValueError, "x"):
                raise ValueError("y")


class Failing:
    """Builders of inner test classes whose tests must not pass."""

    @staticmethod
    def assertions() -> type[unittest.TestCase]:
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def asyncSetUp(self):
                await super().asyncSetUp()
                self.register_uri("POST", "http://api.test/x")
                self.register_uri("GET", "http://api.test/x", params={"page": 1})
                await send("POST", "http://api.test/x", headers={"X-Id": "1"}, json={"a": 1})
                await send("GET", "http://api.test/x?page=1", data="hello")

            async def test_header(self):
                self.assertCalled("POST", "http://api.test/x", headers={"x-id": "2"})

            async def test_missing_header(self):
                self.assertCalled("GET", "http://api.test/x?page=1", headers={"X-Id": "1"})

            async def test_data(self):
                self.assertCalled("GET", "http://api.test/x", params={"page": 1}, data={"a": "b"})

            async def test_json(self):
                self.assertCalled("POST", "http://api.test/x", json={"a": 2})

            async def test_query(self):
                self.assertCalled("GET", "http://api.test/x", params={"page": 2})

            async def test_url(self):
                self.assertCalled("GET", "http://api.test/y")

            async def test_method(self):
                self.assertCalled("PUT", "http://api.test/x")

            async def test_not_called(self):
                self.assertNotCalled("GET", "http://api.test/x", check_params=False)

            async def test_call_count(self):
                self.assertCallCount("POST", "http://api.test/x", 2)

            async def test_msg(self):
                self.assertCallCount("POST", "http://api.test/x", 2, msg="custom words")

            async def test_msg_without_long_message(self):
                self.longMessage = False
                self.assertCalled("PUT", "http://api.test/x", msg="only these words")

            async def test_not_called_msg_without_long_message(self):
                self.longMessage = False
                self.assertNotCalled("POST", "http://api.test/x", msg="only these words")

            async def test_long_message_false_without_msg(self):
                self.longMessage = False
                self.assertCallCount("POST", "http://api.test/x", 3)

        return Inner


class AssertionFailureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        result = run_case(Failing.assertions())
        cls.found = reports(result)
        cls.tests_run = result.testsRun

    def failure(self, name: str) -> str:
        self.assertIn(name, self.found, "the assertion did not fail")
        [(kind, text)] = self.found[name]
        self.assertEqual(kind, "failure")
        return message(text)

    def test_every_failing_assertion_failed_once(self):
        self.assertEqual(self.tests_run, 13)
        self.assertEqual(len(self.found), 13)

    def test_header_differs(self):
        text = self.failure("test_header")
        self.assertIn(
            "Expected request not made.\nExpected: POST http://api.test/x headers={'x-id': '2'}\n", text
        )
        self.assertIn("Actual requests:\n  POST http://api.test/x  <- differs: header x-id: 1\n", text)
        self.assertIn(
            "  GET http://api.test/x?page=1  <- differs: method GET; query page=1; header x-id: (absent)",
            text,
        )

    def test_header_absent(self):
        text = self.failure("test_missing_header")
        self.assertIn("Expected: GET http://api.test/x?page=1 headers={'X-Id': '1'}", text)
        self.assertIn("  GET http://api.test/x?page=1  <- differs: header X-Id: (absent)", text)

    def test_data_differs(self):
        text = self.failure("test_data")
        self.assertIn("Expected: GET http://api.test/x?page=1 data={'a': 'b'}", text)
        self.assertIn("  GET http://api.test/x?page=1  <- differs: data b'hello'", text)

    def test_json_differs(self):
        text = self.failure("test_json")
        self.assertIn("Expected: POST http://api.test/x json={'a': 2}", text)
        self.assertIn("  POST http://api.test/x  <- differs: json {'a': 1}", text)
        self.assertIn("json (body is not JSON: b'hello')", text)

    def test_query_differs(self):
        text = self.failure("test_query")
        self.assertIn("Expected: GET http://api.test/x?page=2\n", text)
        self.assertIn("  GET http://api.test/x?page=1  <- differs: query page=1", text)

    def test_url_differs(self):
        text = self.failure("test_url")
        self.assertIn("Expected: GET http://api.test/y\n", text)
        self.assertIn("  GET http://api.test/x?page=1  <- differs: url http://api.test/x", text)

    def test_method_differs(self):
        text = self.failure("test_method")
        self.assertIn("Expected: PUT http://api.test/x\n", text)
        self.assertIn("  POST http://api.test/x  <- differs: method POST", text)

    def test_not_called(self):
        text = self.failure("test_not_called")
        self.assertIn(
            "Expected no request matching GET http://api.test/x (any query), but 1 was made:\n"
            "  GET http://api.test/x?page=1",
            text,
        )

    def test_call_count(self):
        text = self.failure("test_call_count")
        self.assertIn("Expected 2 request(s) matching POST http://api.test/x, got 1.\n", text)
        self.assertIn("  POST http://api.test/x  <- matches\n", text)
        self.assertIn("  GET http://api.test/x?page=1  <- differs: method GET; query page=1", text)

    def test_msg_is_added_to_the_standard_message(self):
        text = self.failure("test_msg")
        self.assertIn("Expected 2 request(s) matching POST http://api.test/x, got 1.", text)
        # On a line of its own, not glued onto the last request listed.
        self.assertIn("<- differs: method GET; query page=1\ncustom words", text)
        self.assertTrue(text.rstrip().endswith("\ncustom words"), text)
        self.assertNotIn(" : custom words", text)

    def test_long_message_false_shows_msg_alone(self):
        for name in ("test_msg_without_long_message", "test_not_called_msg_without_long_message"):
            with self.subTest(name):
                self.assertEqual(self.failure(name).strip(), "only these words")

    def test_long_message_false_without_msg_shows_the_standard_message(self):
        self.assertIn(
            "Expected 3 request(s) matching POST http://api.test/x, got 1.",
            self.failure("test_long_message_false_without_msg"),
        )

    def test_no_request_at_all(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_nothing_sent(self):
                self.register_uri("GET", "http://api.test/x")
                self.assertCalled("GET", "http://api.test/x")

        [(kind, text)] = reports(run_case(Inner))["test_nothing_sent"]
        self.assertEqual(kind, "failure")
        self.assertIn(
            "Expected request not made.\nExpected: GET http://api.test/x\nActual: no requests were made.",
            text,
        )


class StrictnessTest(RestoredMixin):
    def test_swallowed_refusal_fails_the_test_at_teardown(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_swallows(self):
                self.register_uri("GET", "http://api.test/known", body=b"ok")
                self.assertEqual(await get("http://api.test/known"), b"ok")
                self.assertIsNone(await swallowing_get("http://api.test/missing?page=2"))
                self.assertIsNone(await swallowing_get("http://api.test/missing?page=3"))

            async def test_no_refusal(self):
                self.register_uri("GET", "http://api.test/known")
                await get("http://api.test/known")

        found = reports(run_case(Inner))
        self.assertNotIn("test_no_refusal", found)
        [(kind, text)] = found["test_swallows"]
        self.assertEqual(kind, "failure")
        self.assertIn(
            "Requests that matched no registered route were made:\n"
            "  GET http://api.test/missing?page=2\n"
            "  GET http://api.test/missing?page=3",
            text,
        )
        self.assertNotIn("http://api.test/known", message(text))
        self.assertRestored()

    def test_swallowed_refusal_is_reported_also_when_the_test_fails_otherwise(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_swallows_then_fails(self):
                body = await swallowing_get("http://api.test/missing")
                self.assertEqual(body, b"expected")

        problems = reports(run_case(Inner))["test_swallows_then_fails"]
        self.assertEqual(len(problems), 2)
        self.assertIn("None != b'expected'", problems[0][1])
        self.assertIn("matched no registered route were made:\n  GET http://api.test/missing", problems[1][1])

    def test_a_refusal_that_fails_the_test_is_reported_once(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_refused(self):
                await get("http://api.test/missing")

            async def test_wrapped(self):
                try:
                    await get("http://api.test/missing")
                except aiohttpretty.NoRouteMatched as exc:
                    raise RuntimeError("wrapped") from exc

            async def test_in_subtest(self):
                with self.subTest("sub"):
                    await get("http://api.test/missing")

            async def test_wrong_exception_expected(self):
                with self.assertRaises(ValueError):
                    await get("http://api.test/missing")

        found = reports(run_case(Inner))
        for name in ("test_refused", "test_wrapped", "test_in_subtest", "test_wrong_exception_expected"):
            with self.subTest(name):
                self.assertEqual(len(found[name]), 1, found[name])
                self.assertIn("No route matches GET http://api.test/missing", found[name][0][1])
                self.assertNotIn("Requests that matched no registered route", found[name][0][1])
        self.assertRestored()

    def test_skipped_and_expected_failures_get_no_teardown_checks(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            assert_all_called = True

            async def test_skipped(self):
                self.register_uri("GET", "http://api.test/unused")
                await swallowing_get("http://api.test/missing")
                self.skipTest("not today")

            @unittest.expectedFailure
            async def test_expected_failure(self):
                self.register_uri("GET", "http://api.test/unused")
                await get("http://api.test/missing")

        result = run_case(Inner)
        self.assertEqual(reports(result), {})
        self.assertEqual(len(result.skipped), 1)
        self.assertEqual(len(result.expectedFailures), 1)
        self.assertRestored()

    def test_assert_all_called_names_the_unused_routes(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            assert_all_called = True

            async def test_leaves_routes_unused(self):
                self.register_uri("GET", "http://api.test/used")
                self.register_uri("DELETE", "http://api.test/unused", params={"id": 3})
                self.register_json_uri("POST", "http://api.test/also-unused")
                await get("http://api.test/used")

            async def test_uses_every_route(self):
                self.register_uri("GET", "http://api.test/used")
                await get("http://api.test/used")

            async def test_fails_before_using_its_routes(self):
                self.register_uri("GET", "http://api.test/used")
                self.fail("failing early")

        found = reports(run_case(Inner))
        self.assertEqual(set(found), {"test_leaves_routes_unused", "test_fails_before_using_its_routes"})
        [(kind, text)] = found["test_leaves_routes_unused"]
        self.assertEqual(kind, "failure")
        self.assertIn(
            "Registered routes were never requested (assert_all_called is on):\n"
            "  DELETE http://api.test/unused?id=3\n"
            "  POST http://api.test/also-unused",
            text,
        )
        self.assertNotIn("http://api.test/used", message(text))
        # The early failure is the report; unused routes would only be noise.
        [(kind, text)] = found["test_fails_before_using_its_routes"]
        self.assertIn("failing early", text)
        self.assertNotIn("never requested", text)
        self.assertRestored()

    def test_assert_all_called_is_off_by_default(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_leaves_a_route_unused(self):
                self.register_uri("GET", "http://api.test/unused")

        result = run_case(Inner)
        self.assertTrue(result.wasSuccessful(), reports(result))

    def test_assert_raises_forgives_only_what_it_catches(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_expects_the_refusal(self):
                with self.assertRaises(aiohttpretty.NoRouteMatched):
                    await get("http://api.test/expected")

            async def test_expects_one_and_swallows_another(self):
                with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, "expected"):
                    await get("http://api.test/expected")
                await swallowing_get("http://api.test/swallowed")

        found = reports(run_case(Inner))
        self.assertEqual(list(found), ["test_expects_one_and_swallows_another"])
        [(_, text)] = found["test_expects_one_and_swallows_another"]
        self.assertIn("matched no registered route were made:\n  GET http://api.test/swallowed", text)
        self.assertNotIn("http://api.test/expected", message(text))


if __name__ == "__main__":
    unittest.main()

"""Strict by construction: a mistake of a registration that only shows at
request time, or a refusal caught by a too wide expectation, fails the test
when it ends, even if the code under test swallowed the error."""

from __future__ import annotations

import unittest

import aiohttp

import aiohttpretty

from .test_testcase import RestoredMixin, get, get_in_a_thread, message, reports, run_case, swallowing_get


class MistakesFailTheTest(RestoredMixin):
    def test_mistakes_the_code_swallowed_fail_the_test_naming_route_and_error(self):
        def broken_predicate(call: aiohttpretty.Call) -> bool:
            raise LookupError("predicate broke")

        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_predicate(self):
                self.register_uri("GET", "http://api.test/p", match=broken_predicate)
                self.assertIsNone(await swallowing_get("http://api.test/p"))

            async def test_callback_result(self):
                self.register_uri("GET", "http://api.test/c", callback=lambda call: {"stauts": 500})
                self.assertIsNone(await swallowing_get("http://api.test/c"))

            async def test_callback_error(self):
                self.register_uri("GET", "http://api.test/e", callback=lambda call: {}["missing"])
                self.assertIsNone(await swallowing_get("http://api.test/e"))

            async def test_body(self):
                with self.assertWarns(aiohttpretty.AioHTTPrettyWarning):
                    aiohttpretty.register_uri("GET", "http://api.test/b", body=object())
                self.assertIsNone(await swallowing_get("http://api.test/b"))

        found = reports(run_case(Inner))
        expected = {
            "test_predicate": "GET http://api.test/p: LookupError: predicate broke",
            "test_callback_result": (
                "GET http://api.test/c (route GET http://api.test/c): TypeError: the callback "
            ),
            "test_callback_error": "GET http://api.test/e (route GET http://api.test/e): KeyError: 'missing'",
            "test_body": "GET http://api.test/b (route GET http://api.test/b): TypeError: the route",
        }
        self.assertEqual(sorted(found), sorted(expected))
        for name, text in expected.items():
            with self.subTest(name):
                [(kind, report)] = found[name]
                self.assertEqual(kind, "failure")
                self.assertIn("Registrations failed at request time", message(report))
                self.assertIn(text, message(report))
        self.assertIn("unknown option(s) ['stauts']", found["test_callback_result"][0][1])
        self.assertRestored()

    def test_expected_mistakes_and_deliberate_failures_do_not_fail_the_test(self):
        def disconnect(call: aiohttpretty.Call) -> None:
            raise aiohttp.ServerDisconnectedError()

        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_expected(self):
                self.register_uri("GET", "http://api.test/c", callback=lambda call: {"stauts": 500})
                with self.assertRaisesRegex(TypeError, "unknown option"):
                    await get("http://api.test/c")

            async def test_deliberate(self):
                self.register_uri("GET", "http://api.test/d", callback=disconnect)
                self.register_uri("GET", "http://api.test/x", exception=aiohttp.ClientConnectorError)
                self.assertIsNone(await swallowing_get("http://api.test/d"))
                self.assertIsNone(await swallowing_get("http://api.test/x"))

            async def test_mistake_failing_the_test_is_reported_once(self):
                self.register_uri("GET", "http://api.test/c", callback=lambda call: 42)
                await get("http://api.test/c")

        result = run_case(Inner)
        found = reports(result)
        self.assertEqual(sorted(found), ["test_mistake_failing_the_test_is_reported_once"])
        [(kind, text)] = found["test_mistake_failing_the_test_is_reported_once"]
        self.assertEqual(kind, "error")
        self.assertNotIn("Registrations failed at request time", text)
        self.assertRestored()


class TooWideExpectations(RestoredMixin):
    def test_only_an_expectation_naming_the_refusal_forgives_it(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_exception(self):
                with self.assertRaises(Exception):  # noqa: B017 (too wide on purpose)
                    await get("http://api.test/missing")

            async def test_swallowed_inside_a_client_error_expectation(self):
                with self.assertRaises(aiohttp.ClientError):
                    await swallowing_get("http://api.test/missing")
                    raise aiohttp.ClientError("the code's own error")

            def test_callable_form(self):
                self.assertRaises(Exception, get_in_a_thread, "http://api.test/missing")  # noqa: B017

            async def test_no_route_matched(self):
                with self.assertRaises(aiohttpretty.NoRouteMatched):
                    await get("http://api.test/missing")

            async def test_assertion_error(self):
                with self.assertRaisesRegex(AssertionError, "No route matches"):
                    await get("http://api.test/missing")

            async def test_mock_raises(self):
                with self.aiohttpretty.raises():
                    await get("http://api.test/missing")

        found = reports(run_case(Inner))
        self.assertEqual(
            sorted(found),
            ["test_callable_form", "test_exception", "test_swallowed_inside_a_client_error_expectation"],
        )
        for name in found:
            with self.subTest(name):
                [(kind, text)] = found[name]
                self.assertEqual(kind, "failure")
                self.assertIn("matched no registered route were made:\n  GET http://api.test/missing", text)
                self.assertIn("expect NoRouteMatched itself", text)
        self.assertRestored()


if __name__ == "__main__":
    unittest.main()

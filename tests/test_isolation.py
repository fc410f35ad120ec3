"""Isolation: tests never see each other's routes or calls, and whatever a test
does (fail, raise in ``setUp``/``asyncSetUp``/``asyncTearDown``, swallow a
refused request), aiohttp is unpatched when it is over.

A suite of 200 generated tests, spread over several ``AioHTTPrettyTestCase``
classes, the module-level API, ``mocked()`` blocks and decorators, and plain
unittest fixtures, is shuffled with a fixed seed and run with unittest's own
runner inside one test.  After every generated test the patch state is checked.
"""

from __future__ import annotations

import asyncio
import io
import random
import unittest
from collections.abc import Callable
from typing import Any

import aiohttp

import aiohttpretty
from aiohttpretty import _seam, scope

SEED = 20240607
TOTAL = 200


def patch_state() -> dict[str, Any]:
    """Everything that must be back to normal between two tests."""
    patched = [
        cls.__name__
        for cls in _seam.connector_classes()
        if getattr(cls.__dict__.get("_create_connection"), "_aiohttpretty_patch", False)
    ]
    if getattr(aiohttp.ClientSession._request, "_aiohttpretty_patch", False):
        patched.append("ClientSession._request")
    default = scope.current()
    return {
        "active mocks": list(_seam._active),
        "patches": list(_seam._patches),
        "patched": patched,
        "pushed mocks": list(scope._stack),
        "default mock routes": len(default.registry),
        "default mock calls": len(default.calls) + len(default.unmatched),
    }


CLEAN = {
    "active mocks": [],
    "patches": [],
    "patched": [],
    "pushed mocks": [],
    "default mock routes": 0,
    "default mock calls": 0,
}


class _RecordingResult(unittest.TextTestResult):
    """Notes the patch state after every test, in the order the tests ran."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.states: list[tuple[str, dict[str, Any]]] = []
        self.order: list[str] = []

    def startTest(self, test: unittest.TestCase) -> None:
        self.order.append(test.id())
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        self.states.append((test.id(), patch_state()))


async def _get(url: str, session: aiohttp.ClientSession | None = None) -> bytes:
    if session is None:
        async with aiohttp.ClientSession() as own:
            return await _get(url, own)
    async with session.get(url) as response:
        return await response.read()


def own_url(number: int) -> str:
    return f"http://t{number}.test/own?n={number}"


def other_url(number: int) -> str:
    """The URL another generated test registers."""
    return own_url((number + 1) % TOTAL)


async def exercise(
    case: unittest.TestCase, number: int, mock: aiohttpretty.AioHTTPretty, register: Callable[..., Any]
) -> None:
    """What every generated test does: start empty, see its own routes answer,
    another test's route refused, and only its own calls recorded."""
    case.assertIs(_seam.active(), mock)
    case.assertEqual((len(mock.registry), len(mock.calls), len(mock.unmatched)), (0, 0, 0))
    register("GET", own_url(number), body=f"own {number}")
    register("GET", "http://shared.test/x", body=f"shared {number}")
    case.assertEqual(await _get(own_url(number)), f"own {number}".encode())
    case.assertEqual(await _get("http://shared.test/x"), f"shared {number}".encode())
    # AioHTTPrettyTestCase.assertRaises also forgives the refusal at teardown.
    with case.assertRaises(aiohttpretty.NoRouteMatched):
        await _get(other_url(number))
    case.assertEqual([str(call.url) for call in mock.calls], [own_url(number), "http://shared.test/x"])
    case.assertEqual(sorted(mock.registry), [("GET", "http://shared.test/x"), ("GET", own_url(number))])


class _Boom(Exception):
    pass


def build_suite() -> tuple[list[unittest.TestCase], dict[str, str]]:
    """The generated tests, and the outcome expected of those that must not pass."""

    class ViaTestCaseMethods(aiohttpretty.AioHTTPrettyTestCase):
        async def run_number(self, number: int) -> None:
            await exercise(self, number, self.aiohttpretty, self.register_uri)
            self.assertTrue(self.has_call(own_url(number)))

    class ViaModuleLevelAPI(aiohttpretty.AioHTTPrettyTestCase):
        async def run_number(self, number: int) -> None:
            self.assertIs(aiohttpretty.current(), self.aiohttpretty)
            self.assertEqual(len(aiohttpretty.registry), 0)
            await exercise(self, number, self.aiohttpretty, aiohttpretty.register_uri)
            self.assertTrue(aiohttpretty.has_call(own_url(number)))
            self.assertEqual(len(aiohttpretty.calls), 2)

    class WithSessionFixture(aiohttpretty.AioHTTPrettyTestCase):
        def setUp(self) -> None:  # no super().setUp(): asyncSetUp starts the mock
            pass

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.session = aiohttp.ClientSession()
            self.addAsyncCleanup(self.session.close)

        async def run_number(self, number: int) -> None:
            await exercise(self, number, self.aiohttpretty, self.register_uri)
            self.register_uri("GET", "http://fixture.test/", body=b"fixture")
            self.assertEqual(await _get("http://fixture.test/", self.session), b"fixture")

    class ViaMockedBlock(unittest.IsolatedAsyncioTestCase):
        async def run_number(self, number: int) -> None:
            async with aiohttpretty.mocked() as mock:
                await exercise(self, number, mock, aiohttpretty.register_uri)

    class ViaDefaultMock(unittest.IsolatedAsyncioTestCase):
        """The original API: the default mock, activated and cleared by hand."""

        def setUp(self) -> None:
            aiohttpretty.activate()
            self.addCleanup(aiohttpretty.clear)
            self.addCleanup(aiohttpretty.deactivate)

        async def run_number(self, number: int) -> None:
            await exercise(self, number, aiohttpretty.current(), aiohttpretty.register_uri)

    class ViaDecoratorInSyncTest(unittest.TestCase):
        class_fixture = "not set up"

        @classmethod
        def setUpClass(cls) -> None:
            cls.class_fixture = "set up"

        def run_number(self, number: int) -> None:
            self.assertEqual(self.class_fixture, "set up")

            @aiohttpretty.mocked()
            def body() -> None:
                asyncio.run(exercise(self, number, aiohttpretty.current(), aiohttpretty.register_uri))

            body()

    class Unmocked(unittest.TestCase):
        def run_number(self, number: int) -> None:
            self.assertEqual(patch_state(), CLEAN)
            self.assertIsNone(_seam.active())

    # Tests that must not pass, and must still leave aiohttp unpatched.
    class FailsInBody(aiohttpretty.AioHTTPrettyTestCase):
        async def run_number(self, number: int) -> None:
            self.register_uri("GET", own_url(number))
            await _get(own_url(number))
            self.fail("failing on purpose")

    class RaisesInBody(aiohttpretty.AioHTTPrettyTestCase):
        async def run_number(self, number: int) -> None:
            self.register_uri("GET", own_url(number))
            raise _Boom("raising on purpose")

    class RaisesInAsyncSetUp(aiohttpretty.AioHTTPrettyTestCase):
        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.register_uri("GET", "http://setup.test/")
            raise _Boom("asyncSetUp raising on purpose")

        async def run_number(self, number: int) -> None:
            raise AssertionError("not reached")

    class RaisesInAsyncSetUpBeforeSuper(aiohttpretty.AioHTTPrettyTestCase):
        async def asyncSetUp(self) -> None:
            raise _Boom("asyncSetUp raising before super() on purpose")

        async def run_number(self, number: int) -> None:
            raise AssertionError("not reached")

    class RaisesInSetUp(aiohttpretty.AioHTTPrettyTestCase):
        def setUp(self) -> None:
            super().setUp()
            raise _Boom("setUp raising on purpose")

        async def run_number(self, number: int) -> None:
            raise AssertionError("not reached")

    class RaisesInAsyncTearDown(aiohttpretty.AioHTTPrettyTestCase):
        async def asyncTearDown(self) -> None:
            await super().asyncTearDown()
            raise _Boom("asyncTearDown raising on purpose")

        async def run_number(self, number: int) -> None:
            await exercise(self, number, self.aiohttpretty, self.register_uri)

    class SwallowsARefusal(aiohttpretty.AioHTTPrettyTestCase):
        async def run_number(self, number: int) -> None:
            try:
                await _get(own_url(number))
            except aiohttpretty.NoRouteMatched:
                pass  # the code under test hides it; the teardown check does not

    class LeavesARouteUnused(aiohttpretty.AioHTTPrettyTestCase):
        assert_all_called = True

        async def run_number(self, number: int) -> None:
            self.register_uri("GET", own_url(number))

    class RaisesInsideMockedBlock(unittest.IsolatedAsyncioTestCase):
        async def run_number(self, number: int) -> None:
            async with aiohttpretty.mocked():
                aiohttpretty.register_uri("GET", own_url(number))
                raise _Boom("raising inside mocked() on purpose")

    passing = [
        ViaTestCaseMethods,
        ViaModuleLevelAPI,
        WithSessionFixture,
        ViaMockedBlock,
        ViaDefaultMock,
        ViaDecoratorInSyncTest,
        Unmocked,
    ]
    failing: dict[type[unittest.TestCase], str] = {
        FailsInBody: "failure",
        RaisesInBody: "error",
        RaisesInAsyncSetUp: "error",
        RaisesInAsyncSetUpBeforeSuper: "error",
        RaisesInSetUp: "error",
        RaisesInAsyncTearDown: "error",
        SwallowsARefusal: "failure",
        LeavesARouteUnused: "failure",
        RaisesInsideMockedBlock: "error",
    }
    kinds: list[type[unittest.TestCase]] = []
    for number in range(TOTAL):
        # Two of each failing kind, the rest spread over the passing kinds.
        if number < 2 * len(failing):
            kinds.append(list(failing)[number // 2])
        else:
            kinds.append(passing[number % len(passing)])
    tests: list[unittest.TestCase] = []
    expected: dict[str, str] = {}
    for number, kind in enumerate(kinds):
        name = f"test_{number:03d}"
        setattr(kind, name, _numbered(kind, number))
        test = kind(name)
        tests.append(test)
        if kind in failing:
            expected[test.id()] = failing[kind]
    random.Random(SEED).shuffle(tests)
    return tests, expected


def _numbered(kind: type[unittest.TestCase], number: int) -> Callable[..., Any]:
    run_number = kind.run_number  # type: ignore[attr-defined]
    if asyncio.iscoroutinefunction(run_number):

        async def test(self: unittest.TestCase) -> None:
            await run_number(self, number)

    else:

        def test(self: unittest.TestCase) -> None:  # type: ignore[misc]
            run_number(self, number)

    return test


class ShuffledSuiteTest(unittest.TestCase):
    def setUp(self) -> None:
        self.assertEqual(patch_state(), CLEAN)

    def test_200_shuffled_tests_never_see_each_other(self):
        tests, expected = build_suite()
        self.assertEqual(len(tests), TOTAL)
        self.assertGreater(len({type(test) for test in tests}), 10)
        stream = io.StringIO()
        runner = unittest.TextTestRunner(stream=stream, resultclass=_RecordingResult, verbosity=0)
        result = runner.run(unittest.TestSuite(tests))
        assert isinstance(result, _RecordingResult)
        self.assertEqual(result.testsRun, TOTAL)
        self.assertEqual(result.order, [test.id() for test in tests])

        outcomes = {test.id(): "failure" for test, _ in result.failures}
        outcomes.update({test.id(): "error" for test, _ in result.errors})
        self.assertEqual(outcomes, expected, stream.getvalue()[-4000:])
        self.assertEqual(len(expected), 18)
        self.assertEqual((result.skipped, result.expectedFailures, result.unexpectedSuccesses), ([], [], []))

        self.assertEqual(len(result.states), TOTAL)
        for test_id, state in result.states:
            with self.subTest(after=test_id):
                self.assertEqual(state, CLEAN)

    def test_failing_tests_report_their_own_reason(self):
        tests, expected = build_suite()
        failing = [test for test in tests if test.id() in expected]
        result = unittest.TestResult()
        unittest.TestSuite(failing).run(result)
        reports = "\n".join(text for _, text in result.failures + result.errors)
        for reason in [
            "failing on purpose",
            "raising on purpose",
            "asyncSetUp raising on purpose",
            "asyncSetUp raising before super() on purpose",
            "setUp raising on purpose",
            "asyncTearDown raising on purpose",
            "matched no registered route",
            "never requested",
            "raising inside mocked() on purpose",
        ]:
            with self.subTest(reason):
                self.assertIn(reason, reports)
        self.assertEqual(patch_state(), CLEAN)

    def tearDown(self) -> None:
        self.assertEqual(patch_state(), CLEAN)


if __name__ == "__main__":
    unittest.main()

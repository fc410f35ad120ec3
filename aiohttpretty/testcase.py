"""The unittest integration: :class:`AioHTTPrettyTestCase`."""

from __future__ import annotations

import contextlib
import unittest
from collections.abc import Iterator
from typing import Any, Callable, ClassVar

import aiohttp

from . import scope
from .assertions import FAILED, PASSED, QUIET, CallAssertions, ForgivingContext, forgiving, teardown_message
from .errors import NoRouteMatched
from .mock import AioHTTPretty
from .records import Call, CallList
from .routes import URI, Route

__all__ = ["AioHTTPrettyTestCase"]


class AioHTTPrettyTestCase(CallAssertions, unittest.IsolatedAsyncioTestCase):
    """A test case whose every test runs with a fresh, active mock.

    Before each test a new :class:`~aiohttpretty.AioHTTPretty` (``self.aiohttpretty``)
    is made current and activated; after it, the test fails if a request matched
    no route (even if the code under test swallowed the error), and aiohttp is
    restored, whatever happened.  The module-level functions act on the test's
    mock while it runs.
    """

    #: Fail a test at teardown when one of its registered routes was never requested.
    assert_all_called: ClassVar[bool] = False
    #: Hosts whose requests go to the real network (e.g. ``['127.0.0.1']``).
    passthrough: ClassVar[tuple[str, ...]] = ()

    _aiohttpretty_mock: AioHTTPretty | None = None
    _aiohttpretty_running: bool = False
    _aiohttpretty_outcome: str | None = None
    _aiohttpretty_expecting_failure: bool = False

    def setUp(self) -> None:
        super().setUp()
        self._aiohttpretty_start()

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # Also here, for subclasses that override setUp without calling super().
        self._aiohttpretty_start()

    @property
    def aiohttpretty(self) -> AioHTTPretty:
        """This test's own mock.  The module-level functions act on it while the
        test runs; after the test it is cleared and inactive."""
        if self._aiohttpretty_mock is None:
            # Used before setUp/asyncSetUp reached super(): start it now.
            self._aiohttpretty_start()
        assert self._aiohttpretty_mock is not None
        return self._aiohttpretty_mock

    def _aiohttpretty_start(self) -> None:
        if self._aiohttpretty_running:
            return
        mock = AioHTTPretty()
        self._aiohttpretty_mock = mock
        self._aiohttpretty_running = True
        self._aiohttpretty_outcome = None
        scope.push(mock)
        # Cleanups run last-in first-out: the checks, then the restore, which
        # runs even when activating fails or a check fails.
        self.addCleanup(self._aiohttpretty_restore, mock)
        mock.activate(self.passthrough or None)
        self.addCleanup(self._aiohttpretty_check, mock)

    def _aiohttpretty_check(self, mock: AioHTTPretty) -> None:
        message = teardown_message(
            mock.unmatched,
            mock._registry,
            assert_all_called=self.assert_all_called,
            outcome=self._aiohttpretty_outcome,
        )
        if message:
            self.fail(message)

    def _aiohttpretty_restore(self, mock: AioHTTPretty) -> None:
        try:
            mock.deactivate()
        finally:
            scope.pop(mock)
            mock.clear()
            self._aiohttpretty_running = False

    # What the test raised is reported as its outcome.  The refusals it shows
    # are not reported again at teardown, and a skipped test or an expected
    # failure gets no teardown checks.  (unittest's own hooks around each part.)
    def _callSetUp(self) -> None:
        with self._aiohttpretty_noting():
            super()._callSetUp()  # type: ignore[misc]

    def _callTestMethod(self, method: Callable[[], Any]) -> None:
        self._aiohttpretty_expecting_failure = bool(
            getattr(self, "__unittest_expecting_failure__", False)
            or getattr(method, "__unittest_expecting_failure__", False)
        )
        try:
            with self._aiohttpretty_noting():
                super()._callTestMethod(method)  # type: ignore[misc]
        finally:
            self._aiohttpretty_expecting_failure = False
        if self._aiohttpretty_outcome is None:
            self._aiohttpretty_outcome = PASSED

    def _callTearDown(self) -> None:
        with self._aiohttpretty_noting():
            super()._callTearDown()  # type: ignore[misc]

    @contextlib.contextmanager
    def subTest(self, *args: Any, **params: Any) -> Iterator[None]:
        """As :meth:`unittest.TestCase.subTest`; a refusal that fails the subtest
        is reported with it, not again at teardown."""
        with super().subTest(*args, **params), self._aiohttpretty_noting(whole_test=False):
            yield

    @contextlib.contextmanager
    def _aiohttpretty_noting(self, *, whole_test: bool = True) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if self._aiohttpretty_mock is not None:
                self._aiohttpretty_mock._forgive_refusals_in(exc)
            if isinstance(exc, unittest.SkipTest):
                if whole_test:
                    self._aiohttpretty_outcome = QUIET
            elif self._aiohttpretty_expecting_failure:
                self._aiohttpretty_outcome = QUIET
            elif self._aiohttpretty_outcome != QUIET:
                self._aiohttpretty_outcome = FAILED
            raise

    # Registration and inspection, forwarding to the test's mock.
    def register_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a response on this test's mock; the options are those of
        :func:`aiohttpretty.register_uri`, and an unknown option name raises
        :class:`TypeError`."""
        return self.aiohttpretty._register(method, uri, options, json=False, strict=True)

    def register_json_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a JSON response on this test's mock; an unknown option name
        raises :class:`TypeError`."""
        return self.aiohttpretty._register(method, uri, options, json=True, strict=True)

    async def fake_request(self, method: str, uri: URI, **kwargs: Any) -> aiohttp.ClientResponse:
        """Answer one request from this test's routes, without a session."""
        return await self.aiohttpretty.fake_request(method, uri, **kwargs)

    def has_call(self, uri: URI, check_params: bool = True, **kwargs: Any) -> bool:
        """Whether this test made a matching request; see :func:`aiohttpretty.has_call`."""
        return self.aiohttpretty.has_call(uri, check_params, **kwargs)

    @property
    def calls(self) -> CallList:
        """The requests this test's routes answered, in order."""
        return self.aiohttpretty.calls

    # Assertions (unittest's names; assert_called, ... are the same methods).
    assertCalled = CallAssertions.assert_called
    assertNotCalled = CallAssertions.assert_not_called
    assertCallCount = CallAssertions.assert_call_count

    def _calls_to_check(self) -> list[Call]:
        return self.calls

    def _assertion_failed(self, message: str, msg: Any) -> None:
        self.fail(self._formatMessage(msg, message))

    def assertRaises(self, expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        """As :meth:`unittest.TestCase.assertRaises`; a :class:`NoRouteMatched`
        it catches is expected, so it does not fail the test at teardown."""
        if args:
            func, *rest = args
            return super().assertRaises(
                expected_exception, forgiving(func, self._aiohttpretty_forgive), *rest, **kwargs
            )
        return ForgivingContext(
            super().assertRaises(expected_exception, **kwargs), self._aiohttpretty_forgive
        )

    def assertRaisesRegex(
        self, expected_exception: Any, expected_regex: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """As :meth:`unittest.TestCase.assertRaisesRegex`; a :class:`NoRouteMatched`
        it catches is expected, so it does not fail the test at teardown."""
        if args:
            func, *rest = args
            forgiving_func = forgiving(func, self._aiohttpretty_forgive)
            return super().assertRaisesRegex(
                expected_exception, expected_regex, forgiving_func, *rest, **kwargs
            )
        context = super().assertRaisesRegex(expected_exception, expected_regex, **kwargs)
        return ForgivingContext(context, self._aiohttpretty_forgive)

    def _aiohttpretty_forgive(self, exc: BaseException | None) -> None:
        # What assertRaises catches: a refusal it catches itself was expected.
        if isinstance(exc, NoRouteMatched):
            self.aiohttpretty._forgive(exc)

"""The unittest integration: :class:`AioHTTPrettyTestCase`."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import types
import unittest
from collections.abc import Iterator, Mapping
from typing import Any, Callable, ClassVar, Concatenate, ParamSpec, TypeVar

from ._websocket_assertions import WebSocketAssertions
from ._websocket_records import WebSocketConversation
from .assertions import CallAssertions, with_msg
from .lifecycle import Lifecycle, cassette_path, check_options
from .mock import AioHTTPretty
from .records import Call, CallList

__all__ = ["AioHTTPrettyTestCase"]

P = ParamSpec("P")
R = TypeVar("R")


def _on_the_tests_mock(method: Callable[Concatenate[AioHTTPretty, P], R]) -> Callable[Concatenate[Any, P], R]:
    """A test case method doing what ``method`` does on the test's mock."""
    name = method.__name__

    def forward(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return getattr(self.aiohttpretty, name)(*args, **kwargs)  # type: ignore[no-any-return]

    functools.update_wrapper(forward, method)

    forward.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    del forward.__wrapped__  # type: ignore[attr-defined]
    return forward


def _unittest_named(name: str, function: Callable[..., None]) -> Callable[..., None]:
    """``function`` under its unittest name, with a docstring that names the
    unittest assertions (no wrapper: a failure's traceback is the same)."""
    named = types.FunctionType(
        function.__code__, function.__globals__, name, function.__defaults__, function.__closure__
    )
    named.__kwdefaults__ = function.__kwdefaults__
    named.__annotations__ = function.__annotations__
    named.__qualname__ = f"AioHTTPrettyTestCase.{name}"
    named.__module__ = __name__
    named.__doc__ = (function.__doc__ or "").replace(":meth:`assert_called`", ":meth:`assertCalled`")
    return named


class AioHTTPrettyTestCase(WebSocketAssertions, unittest.IsolatedAsyncioTestCase):
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
    #: Send every request no route matches to the network, for adopting the mock
    #: test by test (never the default).
    passthrough_unmatched: ClassVar[bool] = False
    #: A cassette file every test records to or replays from (``{test}`` is the
    #: test method's name, for a file per test; relative to the test's file).
    cassette: ClassVar[str | None] = None
    #: How the cassette records: ``once``, ``none``, ``new_episodes`` or ``all``.
    record_mode: ClassVar[str] = "once"
    #: The cassette's other options (``match_on``, ``filter_headers``, ... of
    #: :func:`aiohttpretty.cassette`).
    cassette_options: ClassVar[Mapping[str, Any]] = {}

    _aiohttpretty_lifecycle: Lifecycle | None = None
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
        if self._aiohttpretty_lifecycle is None:
            # Used before setUp/asyncSetUp reached super(): start it now.
            self._aiohttpretty_start()
        assert self._aiohttpretty_lifecycle is not None
        return self._aiohttpretty_lifecycle.mock

    def _aiohttpretty_start(self) -> None:
        if self._aiohttpretty_lifecycle is not None:
            return
        path = None
        if self.cassette is not None:
            check_options(
                type(self).__name__,
                assert_all_called=self.assert_all_called,
                cassette=self.cassette,
                record_mode=self.record_mode,
            )
            here = os.path.dirname(inspect.getfile(type(self)))
            path = cassette_path(self.cassette, self._testMethodName, here)
        lifecycle = Lifecycle(
            assert_all_called=self.assert_all_called,
            passthrough=self.passthrough,
            passthrough_unmatched=self.passthrough_unmatched,
            cassette=path,
            record_mode=self.record_mode,
            cassette_options=self.cassette_options,
        )
        self._aiohttpretty_lifecycle = lifecycle
        # Cleanups run last-in first-out: the verdict, then the restore, which
        # runs even when activating fails or the verdict fails the test.
        self.addCleanup(self._aiohttpretty_restore, lifecycle)
        lifecycle.start()
        self.addCleanup(self._aiohttpretty_verdict, lifecycle)

    def _aiohttpretty_verdict(self, lifecycle: Lifecycle) -> None:
        message = lifecycle.verdict()
        if message:
            self.fail(message)

    def _aiohttpretty_restore(self, lifecycle: Lifecycle) -> None:
        try:
            lifecycle.restore()
        finally:
            self._aiohttpretty_lifecycle = None

    # What the test raised is noted as its outcome (unittest's own hooks
    # around each part): the refusals it shows are not reported again, and a
    # skipped test or an expected failure gets no verdict.
    def _callSetUp(self) -> None:
        # Started here too, before setUp: a subclass whose setUp and asyncSetUp
        # both forget super() still runs mocked.
        self._aiohttpretty_start()
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
        if self._aiohttpretty_lifecycle is not None:
            self._aiohttpretty_lifecycle.passed()

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
            lifecycle = self._aiohttpretty_lifecycle
            if lifecycle is not None:
                quiet = isinstance(exc, unittest.SkipTest) or self._aiohttpretty_expecting_failure
                lifecycle.note(
                    exc, quiet=quiet, whole_test=whole_test or not isinstance(exc, unittest.SkipTest)
                )
            raise

    # Registration and inspection, on the test's mock.
    register_uri = _on_the_tests_mock(AioHTTPretty.register_uri)
    register_json_uri = _on_the_tests_mock(AioHTTPretty.register_json_uri)
    register_websocket = _on_the_tests_mock(AioHTTPretty.register_websocket)
    register_app = _on_the_tests_mock(AioHTTPretty.register_app)
    fake_request = _on_the_tests_mock(AioHTTPretty.fake_request)
    has_call = _on_the_tests_mock(AioHTTPretty.has_call)
    get_calls = _on_the_tests_mock(AioHTTPretty.get_calls)

    @property
    def calls(self) -> CallList:
        """The requests this test's routes answered, in order."""
        return self.aiohttpretty.calls

    @property
    def websockets(self) -> list[WebSocketConversation]:
        """The websockets this test's routes answered, with their messages."""
        return self.aiohttpretty.websockets

    # Assertions (unittest's names; assert_called, ... are the same methods).
    assertCalled = _unittest_named("assertCalled", CallAssertions.assert_called)
    assertNotCalled = _unittest_named("assertNotCalled", CallAssertions.assert_not_called)
    assertCallCount = _unittest_named("assertCallCount", CallAssertions.assert_call_count)
    assertCallsInOrder = _unittest_named("assertCallsInOrder", CallAssertions.assert_calls_in_order)
    assertWebSocketReceived = WebSocketAssertions.assert_websocket_received
    assertWebSocketSent = WebSocketAssertions.assert_websocket_sent

    def _calls_to_check(self) -> list[Call]:
        return self.calls

    def _websockets_to_check(self) -> list[WebSocketConversation]:
        return self.websockets

    def _assertion_failed(self, message: str, msg: Any) -> None:
        # As longMessage does, with msg on a line of its own: the message ends
        # with the list of requests made.
        self.fail(with_msg(message, msg) if self.longMessage else self._formatMessage(msg, message))

"""The unittest integration: :class:`AioHTTPrettyTestCase`."""

from __future__ import annotations

import unittest
from collections.abc import Mapping
from types import TracebackType
from typing import Any, ClassVar

import aiohttp

from . import scope
from .assertions import (
    NOT_GIVEN,
    CallPattern,
    check_call_count,
    check_called,
    check_not_called,
    unmatched_message,
    unused_routes_message,
)
from .errors import NoRouteMatched
from .mock import AioHTTPretty
from .records import CallList
from .routes import URI, Route

__all__ = ["AioHTTPrettyTestCase"]


class AioHTTPrettyTestCase(unittest.IsolatedAsyncioTestCase):
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

    def setUp(self) -> None:
        super().setUp()
        self._aiohttpretty_start()

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        # Also here, for subclasses that override setUp without calling super().
        self._aiohttpretty_start()

    def _aiohttpretty_start(self) -> None:
        if getattr(self, "_aiohttpretty_started", False):
            return
        self._aiohttpretty_started = True
        mock = self.__dict__.get("aiohttpretty") or AioHTTPretty()
        self.aiohttpretty: AioHTTPretty = mock
        scope.push(mock)
        # Cleanups run last-in first-out: the checks, then the restore.
        self.addCleanup(self._aiohttpretty_restore, mock)
        mock.activate(self.passthrough or None)
        self.addCleanup(self._aiohttpretty_check, mock)

    def _aiohttpretty_check(self, mock: AioHTTPretty) -> None:
        message = unmatched_message(mock.unmatched)
        if self.assert_all_called:
            unused = unused_routes_message(mock._registry)
            if unused:
                message = f"{message}\n{unused}" if message else unused
        if message:
            self.fail(message)

    @staticmethod
    def _aiohttpretty_restore(mock: AioHTTPretty) -> None:
        try:
            mock.deactivate()
        finally:
            scope.pop(mock)
            mock.clear()

    # Registration and inspection, forwarding to the test's mock.
    def register_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a response; unknown option names raise :class:`TypeError`."""
        return self.aiohttpretty._register(method, uri, options, json=False, strict=True)

    def register_json_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a JSON response; unknown option names raise :class:`TypeError`."""
        return self.aiohttpretty._register(method, uri, options, json=True, strict=True)

    async def fake_request(self, method: str, uri: URI, **kwargs: Any) -> aiohttp.ClientResponse:
        """Answer one request from this test's routes, without a session."""
        return await self.aiohttpretty.fake_request(method, uri, **kwargs)

    def has_call(self, uri: URI, check_params: bool = True, **kwargs: Any) -> bool:
        """Whether this test made a matching request; see :func:`aiohttpretty.has_call`."""
        return self.aiohttpretty.has_call(uri, check_params, **kwargs)

    @property
    def calls(self) -> CallList:
        """The requests this test made, in order."""
        return self.aiohttpretty.calls

    # Assertions.
    def assertCalled(
        self,
        method: str,
        uri: URI,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        msg: Any = None,
    ) -> None:
        """Fail unless at least one recorded request matches."""
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
        )
        self._aiohttpretty_fail(check_called(self.calls, pattern), msg)

    def assertNotCalled(
        self,
        method: str,
        uri: URI,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        msg: Any = None,
    ) -> None:
        """Fail if any recorded request matches."""
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
        )
        self._aiohttpretty_fail(check_not_called(self.calls, pattern), msg)

    def assertCallCount(
        self,
        method: str,
        uri: URI,
        count: int,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        msg: Any = None,
    ) -> None:
        """Fail unless exactly ``count`` recorded requests match."""
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
        )
        self._aiohttpretty_fail(check_call_count(self.calls, pattern, count), msg)

    def _aiohttpretty_fail(self, standard: str | None, msg: Any) -> None:
        if standard is not None:
            self.fail(self._formatMessage(msg, standard))

    def assertRaises(self, expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        """As :meth:`unittest.TestCase.assertRaises`; a :class:`NoRouteMatched`
        it catches is expected, so it does not fail the test at teardown."""
        msg = {"msg": kwargs.pop("msg")} if "msg" in kwargs else {}
        return self._aiohttpretty_expect(super().assertRaises(expected_exception, **msg), args, kwargs)

    def assertRaisesRegex(
        self, expected_exception: Any, expected_regex: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """As :meth:`unittest.TestCase.assertRaisesRegex`; a :class:`NoRouteMatched`
        it catches is expected, so it does not fail the test at teardown."""
        msg = {"msg": kwargs.pop("msg")} if "msg" in kwargs else {}
        context = super().assertRaisesRegex(expected_exception, expected_regex, **msg)
        return self._aiohttpretty_expect(context, args, kwargs)

    def _aiohttpretty_expect(self, context: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        expecting = _ExpectedRefusal(context, self.aiohttpretty)
        if not args:
            return expecting
        func, *rest = args
        with expecting:
            func(*rest, **kwargs)
        return None


class _ExpectedRefusal:
    def __init__(self, context: Any, mock: AioHTTPretty) -> None:
        self._context = context
        self._mock = mock

    def __enter__(self) -> Any:
        return self._context.__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        handled: bool = self._context.__exit__(exc_type, exc, tb)
        caught = getattr(self._context, "exception", None)
        if isinstance(caught, NoRouteMatched):
            self._mock._forgive(caught)
        return handled

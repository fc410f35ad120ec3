"""pytest plugin (registered through the ``pytest11`` entry point).

``@pytest.mark.aiohttpretty`` and the ``aiohttpretty_mock`` fixture give a test a
fresh, active mock, as :class:`~aiohttpretty.AioHTTPrettyTestCase` gives each of
its tests: the module-level API acts on it while the test runs, a request that
matched no route fails the test at teardown even if the code under test
swallowed the error, and aiohttp is restored afterwards, whatever happened.

The mock is made current before the test's first fixture is set up and restored
after its last fixture is torn down, so async fixtures (pytest-asyncio,
pytest-aiohttp) run with it.  This is the only module of aiohttpretty that
imports pytest.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from . import scope
from .assertions import FAILED, QUIET, CallAssertions, ForgivingContext, forgiving, teardown_message
from .errors import NoRouteMatched
from .mock import AioHTTPretty
from .records import Call
from .routes import URI, Route

__all__ = ["FIXTURE", "MARKER", "MARKER_OPTIONS", "AioHTTPrettyFixture"]

#: The name of the marker.
MARKER = "aiohttpretty"
#: The name of the fixture.
FIXTURE = "aiohttpretty_mock"
#: The keyword arguments ``@pytest.mark.aiohttpretty(...)`` takes.
MARKER_OPTIONS = ("assert_all_called", "passthrough")


class AioHTTPrettyFixture(CallAssertions, AioHTTPretty):
    """The mock of one pytest test: what the ``aiohttpretty_mock`` fixture gives.

    An :class:`~aiohttpretty.AioHTTPretty` (it is also
    :func:`aiohttpretty.current` while the test runs) whose ``register_uri``
    and ``register_json_uri`` raise :class:`TypeError` on unknown option names,
    with the assertions of :class:`~aiohttpretty.AioHTTPrettyTestCase`.
    """

    def register_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a response; unknown option names raise :class:`TypeError`."""
        return self._register(method, uri, options, json=False, strict=True)

    def register_json_uri(self, method: str, uri: URI, **options: Any) -> Route:
        """Register a JSON response; unknown option names raise :class:`TypeError`."""
        return self._register(method, uri, options, json=True, strict=True)

    def _calls_to_check(self) -> list[Call]:
        return self.calls

    def raises(
        self,
        expected_exception: type[BaseException] | tuple[type[BaseException], ...] = NoRouteMatched,
        *,
        match: str | re.Pattern[str] | None = None,
    ) -> AbstractContextManager[pytest.ExceptionInfo[BaseException]]:
        """:func:`pytest.raises`, for a request expected to match no route.

        A :class:`~aiohttpretty.NoRouteMatched` it catches was expected, so it
        does not fail the test at teardown (as with
        :meth:`AioHTTPrettyTestCase.assertRaises <aiohttpretty.AioHTTPrettyTestCase.assertRaises>`)::

            with aiohttpretty_mock.raises(aiohttpretty.NoRouteMatched):
                await client.get("http://api.test/unregistered")
        """
        context = pytest.raises(expected_exception, match=match)
        return ForgivingContext(context, self._forgive_refusals_in)


def _forgiving_raises(original: Any, mock: AioHTTPretty) -> Any:
    """``pytest.raises`` for a test that runs mocked: a refusal that passes
    through it was expected by the test (or fails it), never swallowed."""

    @functools.wraps(original)
    def raises(expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if args:  # pytest.raises(expected, func, *args, **kwargs)
            func, *rest = args
            return original(expected_exception, forgiving(func, mock._forgive_refusals_in), *rest, **kwargs)
        return ForgivingContext(original(expected_exception, **kwargs), mock._forgive_refusals_in)

    return raises


class _Active:
    """The mock a test runs with, its teardown option, and how the test went."""

    def __init__(self, mock: AioHTTPrettyFixture, assert_all_called: bool) -> None:
        self.mock = mock
        self.assert_all_called = assert_all_called
        self.outcome: str | None = None
        self.original_raises: Any = pytest.raises
        self._unmatched: list[Call] = []
        self._routes: list[Route] = []

    def note(self) -> None:
        """Remember the refusals and routes before teardown hooks run: one may
        ``clear()`` the mock (an old conftest's teardown does)."""
        self._unmatched = list(self.mock.unmatched)
        self._routes = list(self.mock._registry)

    def unmatched(self) -> list[Call]:
        noted = {id(call) for call in self._unmatched}
        return self._unmatched + [call for call in self.mock.unmatched if id(call) not in noted]

    def routes(self) -> list[Route]:
        noted = {id(route) for route in self._routes}
        return self._routes + [route for route in self.mock._registry if id(route) not in noted]


_ACTIVE = pytest.StashKey[_Active]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(assert_all_called=False, passthrough=None): run the test with a fresh, active "
        "aiohttpretty mock; a request that matched no route fails it at teardown.",
    )


@pytest.fixture
def aiohttpretty_mock(request: pytest.FixtureRequest) -> AioHTTPrettyFixture:
    """The test's active mock (:class:`aiohttpretty.pytest_plugin.AioHTTPrettyFixture`).

    A test that asks for it runs with a fresh mock, marked or not.
    """
    item: pytest.Item = request.node
    active = item.stash.get(_ACTIVE, None)
    if active is None:  # requested late, through request.getfixturevalue()
        active = _start(item)
    return active.mock


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture is set up (and before a conftest's own setup hook), so
    # async fixtures run mocked and an old conftest's activate() is a no-op.
    if item.get_closest_marker(MARKER) is not None or FIXTURE in getattr(item, "fixturenames", ()):
        _start(item)


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_runtest_setup")
def pytest_aiohttpretty_setup_wrapper(item: pytest.Item) -> Generator[None, None, None]:
    with _noting(item):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _noting(item):
        return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    # After every fixture is torn down: requests made by fixture teardown count too.
    active = item.stash.get(_ACTIVE, None)
    if active is not None:
        active.note()
    try:
        result = yield
    except BaseException:
        _finish(item)  # restore aiohttp; the teardown's own error is the one to report
        raise
    message = _finish(item)
    if message:
        pytest.fail(message, pytrace=False)
    return result


def _start(item: pytest.Item) -> _Active:
    assert_all_called, passthrough = _marker_options(item)
    mock = AioHTTPrettyFixture()
    scope.push(mock)
    try:
        mock.activate(passthrough)
    except BaseException:
        scope.pop(mock)
        raise
    active = _Active(mock, assert_all_called)
    item.stash[_ACTIVE] = active
    # Suites written for the original expect refusals with pytest.raises: one
    # caught there is expected, not swallowed.  (Restored in _finish.)
    active.original_raises = pytest.raises
    pytest.raises = _forgiving_raises(pytest.raises, mock)  # type: ignore[assignment]
    return active


def _finish(item: pytest.Item) -> str | None:
    """Restore aiohttp after ``item``; the teardown failure message, if any."""
    active = item.stash.get(_ACTIVE, None)
    if active is None:
        return None
    del item.stash[_ACTIVE]
    pytest.raises = active.original_raises  # type: ignore[assignment]
    mock = active.mock
    try:
        message = teardown_message(
            active.unmatched(),
            active.routes(),
            assert_all_called=active.assert_all_called,
            outcome=active.outcome,
        )
    finally:
        try:
            mock.deactivate()
        finally:
            scope.pop(mock)
            mock.clear()
    return message


def _marker_options(item: pytest.Item) -> tuple[bool, Any]:
    """The options of the ``aiohttpretty`` markers of ``item``; the closest wins."""
    options: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers(MARKER))):
        if mark.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes keyword arguments only ({', '.join(MARKER_OPTIONS)}), "
                f"got {mark.args!r}",
                pytrace=False,
            )
        options.update(mark.kwargs)
    unknown = [name for name in options if name not in MARKER_OPTIONS]
    if unknown:
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, MARKER_OPTIONS, n=1)
            problems.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        pytest.fail(
            f"@pytest.mark.{MARKER} got unknown option(s) {', '.join(problems)}. "
            f"Valid options: {', '.join(MARKER_OPTIONS)}.",
            pytrace=False,
        )
    assert_all_called = options.get("assert_all_called", False)
    if not isinstance(assert_all_called, bool):
        pytest.fail(
            f"@pytest.mark.{MARKER}(assert_all_called=...) must be True or False, got {assert_all_called!r}",
            pytrace=False,
        )
    return assert_all_called, options.get("passthrough")


@contextmanager
def _noting(item: pytest.Item) -> Iterator[None]:
    """Note how the setup or the test went.  A :class:`NoRouteMatched` that
    reaches pytest is reported with the test: not again at teardown.  A skipped
    test or an expected failure (``xfail``) gets no teardown checks."""
    try:
        yield
    except BaseException as exc:
        active = item.stash.get(_ACTIVE, None)
        if active is not None:
            active.mock._forgive_refusals_in(exc)
            if isinstance(exc, (pytest.skip.Exception, pytest.xfail.Exception)):
                active.outcome = QUIET
            elif item.get_closest_marker("xfail") is not None:
                active.outcome = QUIET
            elif active.outcome != QUIET:
                active.outcome = FAILED
        raise

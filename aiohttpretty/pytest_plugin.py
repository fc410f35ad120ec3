"""pytest plugin (registered through the ``pytest11`` entry point).

``@pytest.mark.aiohttpretty`` and the ``aiohttpretty_mock`` fixture give a test a
fresh, active mock through the same :class:`~aiohttpretty.lifecycle.Lifecycle`
as :class:`~aiohttpretty.AioHTTPrettyTestCase`: the module-level API acts on it
while the test runs, a request that matched no route fails the test at
teardown even if the code under test swallowed the error, and aiohttp is
restored afterwards, whatever happened.

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
from typing import Any, Callable

import pytest

from ._tape import RECORD_MODES, set_record_mode_override
from .errors import NoRouteMatched
from .lifecycle import (
    OPTIONS,
    Lifecycle,
    add_expectation_patch,
    cassette_path,
    check_options,
    forgive_expected,
)
from .mock import AioHTTPretty

__all__ = ["FIXTURE", "MARKER", "MARKER_OPTIONS", "AioHTTPrettyFixture"]

#: The name of the marker.
MARKER = "aiohttpretty"
#: The name of the fixture.
FIXTURE = "aiohttpretty_mock"
#: The keyword arguments ``@pytest.mark.aiohttpretty(...)`` takes.
MARKER_OPTIONS = OPTIONS


class AioHTTPrettyFixture(AioHTTPretty):
    """The mock of one pytest test: what the ``aiohttpretty_mock`` fixture gives.

    An :class:`~aiohttpretty.AioHTTPretty` (it is also
    :func:`aiohttpretty.current` while the test runs), whose :meth:`raises`
    gives pytest's own :class:`pytest.ExceptionInfo`.
    """

    def raises(  # type: ignore[override]
        self,
        expected_exception: type[BaseException] | tuple[type[BaseException], ...] = NoRouteMatched,
        *,
        match: str | re.Pattern[str] | None = None,
    ) -> AbstractContextManager[pytest.ExceptionInfo[BaseException]]:
        """:func:`pytest.raises`, for a request expected to match no route.

        A :class:`~aiohttpretty.NoRouteMatched` it catches was expected, so it
        does not fail the test at teardown::

            with aiohttpretty_mock.raises(aiohttpretty.NoRouteMatched):
                await client.get("http://api.test/unregistered")
        """
        return _Forgiving(pytest.raises(expected_exception, match=match), self._forgive_refusals_in)


class _Forgiving:
    """A ``pytest.raises`` context whose refusals were expected by the test."""

    def __init__(self, context: Any, forgive: Callable[[BaseException | None], None]) -> None:
        self._context = context
        self._forgive = forgive

    def __enter__(self) -> Any:
        return self._context.__enter__()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Any:
        __tracebackhide__ = True
        self._forgive(exc)
        return self._context.__exit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _forgiving_raises(original: Any) -> Any:
    """``pytest.raises`` while a test runs mocked: a refusal it catches was
    expected when the expectation names it (in a marked test, written for the
    original, whatever it expects)."""

    @functools.wraps(original)
    def raises(expected_exception: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True

        def forgive(exc: BaseException | None) -> None:
            forgive_expected(exc, expected_exception)

        if args:  # pytest.raises(expected, func, *args, **kwargs)
            func, *rest = args
            return original(expected_exception, _forgiving_call(func, forgive), *rest, **kwargs)
        return _Forgiving(original(expected_exception, **kwargs), forgive)

    return raises


_original_raises: list[Any] = []


def _patch_raises() -> None:
    _original_raises.append(pytest.raises)
    pytest.raises = _forgiving_raises(pytest.raises)


def _unpatch_raises() -> None:
    if _original_raises:
        pytest.raises = _original_raises.pop()


add_expectation_patch(_patch_raises, _unpatch_raises)


def _forgiving_call(
    func: Callable[..., Any], forgive: Callable[[BaseException | None], None]
) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            forgive(exc)
            raise

    return call


_ACTIVE = pytest.StashKey[Lifecycle]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("aiohttpretty").addoption(
        "--aiohttpretty-record",
        choices=RECORD_MODES,
        default=None,
        help="the record mode of every aiohttpretty cassette (overrides the tests' own)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(assert_all_called=False, passthrough=None, passthrough_unmatched=False, cassette=None, "
        "record_mode='once'): run "
        "the test with a fresh, active aiohttpretty mock; a request that matched no route fails it at "
        "teardown.",
    )
    mode = config.getoption("--aiohttpretty-record", None)
    if mode is not None:
        set_record_mode_override(mode)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("--aiohttpretty-record", None) is not None:
        set_record_mode_override(None)


@pytest.fixture
def aiohttpretty_mock(request: pytest.FixtureRequest) -> AioHTTPrettyFixture:
    """The test's active mock (:class:`aiohttpretty.pytest_plugin.AioHTTPrettyFixture`).

    A test that asks for it runs with a fresh mock, marked or not.
    """
    item: pytest.Item = request.node
    lifecycle = item.stash.get(_ACTIVE, None)
    if lifecycle is None:  # requested late, through request.getfixturevalue()
        lifecycle = _start(item)
    mock = lifecycle.mock
    assert isinstance(mock, AioHTTPrettyFixture)
    return mock


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture is set up (and before a conftest's own setup hook), so
    # async fixtures run mocked and an old conftest's activate() is a no-op.
    if item.get_closest_marker(MARKER) is not None or FIXTURE in getattr(item, "fixturenames", ()):
        _start(item)


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_runtest_setup")
def pytest_aiohttpretty_setup_wrapper(item: pytest.Item) -> Generator[None, None, None]:
    with _noting(item):
        result = yield
    lifecycle = item.stash.get(_ACTIVE, None)
    if lifecycle is not None:
        # The first finalizer to run at teardown, while the test's event loop
        # is open: the apps it registered are cleaned up on that loop.
        item.addfinalizer(lifecycle.mock.close)
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _noting(item):
        result = yield
    lifecycle = item.stash.get(_ACTIVE, None)
    if lifecycle is not None:
        lifecycle.passed()
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    # After every fixture is torn down: requests made by fixture teardown count too.
    lifecycle = item.stash.get(_ACTIVE, None)
    if lifecycle is not None:
        lifecycle.snapshot()
    try:
        result = yield
    except BaseException:
        _finish(item)  # restore aiohttp; the teardown's own error is the one to report
        raise
    message = _finish(item)
    if message:
        pytest.fail(message, pytrace=False)
    return result


def _start(item: pytest.Item) -> Lifecycle:
    options = _marker_options(item)
    if options.get("cassette") is not None:
        options["cassette"] = cassette_path(options["cassette"], item.name, item.path.parent)
    lifecycle = Lifecycle(
        **options,
        factory=AioHTTPrettyFixture,
        # Suites written for the original expect refusals with pytest.raises
        # of their own errors: in a marked test, one caught there is expected.
        legacy=item.get_closest_marker(MARKER) is not None,
    )
    lifecycle.start()
    item.stash[_ACTIVE] = lifecycle
    return lifecycle


def _finish(item: pytest.Item) -> str | None:
    """Restore aiohttp after ``item``; the teardown failure message, if any."""
    lifecycle = item.stash.get(_ACTIVE, None)
    if lifecycle is None:
        return None
    del item.stash[_ACTIVE]
    try:
        message = lifecycle.verdict()
    finally:
        lifecycle.restore()
    return message


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    """The options the ``aiohttpretty`` markers of ``item`` give (the closest
    wins), checked; those not given keep :class:`Lifecycle`'s defaults."""
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
    cassette_options = options.get("cassette_options")
    # passthrough is checked by activate(), as on every mock; cassette_options below.
    checked = {
        name: value for name, value in options.items() if name not in ("passthrough", "cassette_options")
    }
    try:
        check_options(f"@pytest.mark.{MARKER}", **checked)
        if cassette_options is not None and not isinstance(cassette_options, dict):
            raise TypeError(
                f"@pytest.mark.{MARKER}(cassette_options=...) must be a dict, got {cassette_options!r}"
            )
    except TypeError as exc:
        pytest.fail(str(exc), pytrace=False)
    return options


@contextmanager
def _noting(item: pytest.Item) -> Iterator[None]:
    """Note how the setup or the test went.  A :class:`NoRouteMatched` that
    reaches pytest is reported with the test: not again at teardown.  A skipped
    test or an expected failure (``xfail``) gets no teardown checks."""
    try:
        yield
    except BaseException as exc:
        lifecycle = item.stash.get(_ACTIVE, None)
        if lifecycle is not None:
            quiet = isinstance(exc, (pytest.skip.Exception, pytest.xfail.Exception)) or (
                item.get_closest_marker("xfail") is not None
            )
            lifecycle.note(exc, quiet=quiet)
        raise

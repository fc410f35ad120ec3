"""One test's mock from start to verdict, shared by
:class:`~aiohttpretty.AioHTTPrettyTestCase`, the pytest marker and fixture,
and :class:`mocked`.

A :class:`Lifecycle` starts a fresh mock (made current and active), notes
what the test raised, gives the verdict when the test ends (requests that
matched no route, even if the code swallowed their error; responders that
failed, such as a websocket handler that raised or was still running; with
``assert_all_called``, routes never requested) and restores aiohttp, whatever
happened.  Each integration only maps its framework's events onto it.

An expected refusal is not a swallowed one: while a lifecycle runs,
``assertRaises``/``assertRaisesRegex`` (every form, through unittest's
context object) and :meth:`AioHTTPretty.raises` that name
:class:`~aiohttpretty.NoRouteMatched` (or a subclass) or
:class:`AssertionError` take the refusal they catch off the list.  An
expectation as wide as ``Exception`` does not: it would forgive a typo.
"""

from __future__ import annotations

import functools
import inspect
import os
import unittest.case
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Callable, TypeVar

from . import _seam, scope
from ._background import ResponderError, responder_errors_message
from ._tape import Cassette, check_mode
from .assertions import mistakes_message, unmatched_message, unused_routes_message
from .mock import AioHTTPretty
from .records import Call, Mistake
from .routes import Route

__all__ = [
    "FAILED",
    "OPTIONS",
    "PASSED",
    "QUIET",
    "Lifecycle",
    "add_expectation_patch",
    "cassette_path",
    "check_options",
    "forgive_expected",
    "mocked",
]

#: The options every entry point takes (test case attributes, marker keywords,
#: ``mocked(...)`` arguments).
OPTIONS = (
    "assert_all_called",
    "passthrough",
    "passthrough_unmatched",
    "cassette",
    "record_mode",
    "cassette_options",
)

# How a test went, as far as the verdict cares.
PASSED = "passed"  # the test returned
FAILED = "failed"  # its setup, the test, a subtest or its teardown raised: reported already
QUIET = "quiet"  # skipped, or an expected failure: no verdict

F = TypeVar("F", bound=Callable[..., Any])


# Lifecycles running now.  While any runs, the expectation contexts are
# patched: unittest's here, pytest's by the plugin (add_expectation_patch).
_running: list[Lifecycle] = []
_original_exit: Any = None


def forgive_expected(exc: BaseException | None, expected: Any) -> None:
    """An expectation of ``expected`` caught ``exc``: the refusals it shows were
    expected where the expectation names them (:func:`~.errors.names_refusal`),
    or whatever it names in a legacy lifecycle."""
    for lifecycle in _running:
        lifecycle.mock._forgive_refusals_in(exc, None if lifecycle.legacy else expected)


def _patch_unittest() -> None:
    global _original_exit
    context = unittest.case._AssertRaisesContext
    _original_exit = context.__dict__["__exit__"]
    original = _original_exit

    @functools.wraps(original)
    def __exit__(self: Any, exc_type: Any, exc_value: Any, tb: Any) -> Any:
        if exc_value is not None:
            forgive_expected(exc_value, self.expected)
        return original(self, exc_type, exc_value, tb)

    context.__exit__ = __exit__  # type: ignore[method-assign]


def _unpatch_unittest() -> None:
    global _original_exit
    if _original_exit is not None:
        unittest.case._AssertRaisesContext.__exit__ = _original_exit  # type: ignore[method-assign]
        _original_exit = None


_patches: list[tuple[Callable[[], None], Callable[[], None]]] = [(_patch_unittest, _unpatch_unittest)]


def add_expectation_patch(patch: Callable[[], None], unpatch: Callable[[], None]) -> None:
    """Patch another framework's expectation context (``pytest.raises``) while
    a lifecycle runs; its ``__exit__`` should call :func:`forgive_expected`."""
    _patches.append((patch, unpatch))
    if _running:
        patch()


def cassette_path(template: str | os.PathLike[str], test: str, directory: str | os.PathLike[str]) -> str:
    """A test's cassette file: ``{test}`` in ``template`` is the test's name; a
    relative path is relative to ``directory`` (the test's file's)."""
    path = os.fspath(template).replace("{test}", test)
    return path if os.path.isabs(path) else os.path.join(directory, path)


def check_options(
    where: str,
    *,
    assert_all_called: Any = False,
    passthrough: Any = None,
    cassette: Any = None,
    record_mode: Any = "once",
    passthrough_unmatched: Any = False,
) -> None:
    """Raise :class:`TypeError` for an option of the wrong type, naming ``where``."""
    if cassette is not None and not isinstance(cassette, (str, os.PathLike)):
        raise TypeError(f"{where}(cassette=...) must be the path of a cassette file, got {cassette!r}")
    try:
        check_mode(record_mode, f"{where}(record_mode=...)")
    except ValueError as exc:
        raise TypeError(str(exc)) from None
    if not isinstance(assert_all_called, bool):
        raise TypeError(f"{where}(assert_all_called=...) must be True or False, got {assert_all_called!r}")
    if not isinstance(passthrough_unmatched, bool):
        raise TypeError(
            f"{where}(passthrough_unmatched=...) must be True or False, got {passthrough_unmatched!r}"
        )
    if passthrough is not None and not isinstance(passthrough, (str, list, tuple, set, frozenset)):
        raise TypeError(
            f"{where}(passthrough=...) must be a list of host names or host:port strings, got {passthrough!r}"
        )


class Lifecycle:
    """A fresh mock for one test: :meth:`start`, :meth:`note`, :meth:`verdict`,
    :meth:`restore`."""

    def __init__(
        self,
        *,
        assert_all_called: bool = False,
        passthrough: Any = None,
        passthrough_unmatched: bool = False,
        factory: Callable[[], AioHTTPretty] = AioHTTPretty,
        legacy: bool = False,
        cassette: str | os.PathLike[str] | None = None,
        record_mode: str = "once",
        cassette_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.assert_all_called = assert_all_called
        #: The options of the cassette (those of :func:`aiohttpretty.cassette`).
        self.cassette_options = dict(cassette_options or {})
        #: The cassette file the test records to or replays from, and how.
        self.cassette_path = cassette
        self.record_mode = record_mode
        #: The cassette, once started.
        self.cassette: Cassette | None = None
        #: Started for a suite written for the original (the pytest marker): any
        #: expectation that catches a refusal forgives it, as it always did.
        self.legacy = legacy
        self.passthrough = passthrough
        #: Send every request no route matches to the network (an opt-in for
        #: adopting the mock test by test; never the default).
        self.passthrough_unmatched = passthrough_unmatched
        self._factory = factory
        self.mock: AioHTTPretty = factory()
        self.outcome: str | None = None
        self._noted_unmatched: list[Call] = []
        self._noted_mistakes: list[Mistake] = []
        self._noted_routes: list[Route] = []
        self._noted_errors: list[ResponderError] = []
        self._started = False
        self._active_before: list[Any] = []

    def _left_active(self) -> list[Any]:
        """Mocks the test activated and never deactivated (not those of a
        lifecycle still running, such as an enclosing one)."""
        running = {id(lifecycle.mock) for lifecycle in _running}
        before = {id(mock) for mock in self._active_before}
        return [
            mock
            for mock in _seam._active
            if mock is not self.mock and id(mock) not in before and id(mock) not in running
        ]

    def start(self) -> AioHTTPretty:
        """Make the mock current and active; on failure nothing is left behind."""
        mock = self.mock
        self._active_before = list(_seam._active)
        scope.push(mock)
        try:
            if self.cassette_path is not None:
                self.cassette = Cassette(self.cassette_path, self.record_mode, **self.cassette_options)
                mock.mount(self.cassette)
            mock.activate(self.passthrough or None, passthrough_unmatched=self.passthrough_unmatched)
        except BaseException:
            scope.pop(mock)
            raise
        if not _running:
            for patch, _ in _patches:
                patch()
        _running.append(self)
        self._started = True
        return mock

    def note(self, exc: BaseException, *, quiet: bool = False, whole_test: bool = True) -> None:
        """The test (or its setup, a subtest, its teardown) raised ``exc``: the
        refusals it shows are reported with it, not again.  ``quiet``: a skip or
        an expected failure, which gets no verdict."""
        self.mock._forgive_refusals_in(exc)
        if quiet:
            if whole_test:
                self.outcome = QUIET
        elif self.outcome != QUIET:
            self.outcome = FAILED

    def passed(self) -> None:
        """The test itself returned."""
        if self.outcome is None:
            self.outcome = PASSED

    def snapshot(self) -> None:
        """Keep the refusals and routes now: what runs next may ``clear()`` the
        mock (an old conftest's teardown does)."""
        self._noted_unmatched = list(self.mock.unmatched)
        self._noted_mistakes = list(self.mock.mistakes)
        self._noted_routes = list(self.mock._registry)
        self._noted_errors = list(self.mock.errors)

    def verdict(self) -> str | None:
        """What fails the test as it ends, or ``None``: requests that matched no
        route, registration mistakes that showed at request time
        (:attr:`AioHTTPretty.mistakes`), responders that failed after answering
        (:attr:`AioHTTPretty.errors`: what they still ran is cancelled first,
        and reported if its connection was still open) and, with
        ``assert_all_called``, routes never requested (not
        after the test failed: it stopped early).  Nothing for a skipped test
        or an expected failure."""
        self.mock.stop_background()
        if self.outcome == QUIET:
            return None
        problems = [
            unmatched_message(_union(self._noted_unmatched, self.mock.unmatched)),
            mistakes_message(_union(self._noted_mistakes, self.mock.mistakes)),
            responder_errors_message(_union(self._noted_errors, self.mock.errors)),
        ]
        if self.assert_all_called and self.outcome != FAILED:
            problems.append(unused_routes_message(_union(self._noted_routes, self.mock._registry)))
            if self.cassette is not None:
                problems.append(self.cassette.unused_message())
        left = self._left_active()
        if left:
            problems.append(
                "A mock activated during the test was still active when the test ended (it is "
                "deactivated now; deactivate it, or use mocked()):\n"
                + "\n".join(f"  {mock!r}" for mock in left)
            )
        message = "\n".join(problem for problem in problems if problem) or None
        if self.cassette is not None and self.outcome == PASSED and message is None:
            # Only a test that passed writes what it recorded.
            try:
                self.cassette.save()
            except OSError as exc:
                message = f"The cassette {self.cassette.path} could not be written: {exc}"
        return message

    def restore(self) -> None:
        """Deactivate and clear the mock and restore aiohttp, whatever happened."""
        if self in _running:
            _running.remove(self)
            if not _running:
                for _, unpatch in reversed(_patches):
                    unpatch()
        mock = self.mock
        try:
            for left in self._left_active():
                left.deactivate()
            mock.deactivate()
        finally:
            if self.cassette is not None:
                mock.unmount(self.cassette)
            scope.pop(mock)
            self._started = False
            mock.clear()  # cleans the registered apps up too


def _union(noted: list[Any], now: Iterable[Any]) -> list[Any]:
    seen = {id(item) for item in noted}
    return noted + [item for item in now if id(item) not in seen]


class mocked:
    """A fresh, active mock for a block or a function, restored afterwards.

    Use it as ``with mocked() as mock:``, ``async with mocked() as mock:``, or as
    a decorator on a sync or async function (``@mocked()``).  Inside, the
    module-level functions act on that mock.  On exit aiohttp is restored, even
    when the block raised; a block that returned fails with
    :class:`AssertionError` when a request matched no route (even if the code
    swallowed its error) or, with ``assert_all_called=True``, a route was never
    requested, as a test case's test would.  Blocks nest.

    ``passthrough`` (hosts, patterns or functions of the URL) and
    ``passthrough_unmatched=True`` (every request no route matches) let
    requests reach the network, as :meth:`AioHTTPretty.activate` does.
    """

    def __init__(
        self,
        passthrough: Any = None,
        *,
        assert_all_called: bool = False,
        passthrough_unmatched: bool = False,
        cassette: str | os.PathLike[str] | None = None,
        record_mode: str = "once",
    ) -> None:
        check_options(
            "mocked",
            assert_all_called=assert_all_called,
            passthrough=passthrough,
            cassette=cassette,
            record_mode=record_mode,
            passthrough_unmatched=passthrough_unmatched,
        )
        # The options of each block's Lifecycle (and of the decorator's mocked()).
        self._options: dict[str, Any] = {
            "passthrough": passthrough,
            "assert_all_called": assert_all_called,
            "passthrough_unmatched": passthrough_unmatched,
            "cassette": cassette,
            "record_mode": record_mode,
        }
        self._lifecycles: list[Lifecycle] = []

    def __enter__(self) -> AioHTTPretty:
        lifecycle = Lifecycle(**self._options)
        mock = lifecycle.start()
        self._lifecycles.append(lifecycle)
        return mock

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        lifecycle = self._lifecycles.pop()
        try:
            if exc is not None:
                lifecycle.note(exc)
            else:
                lifecycle.passed()
            message = lifecycle.verdict()
        finally:
            lifecycle.restore()
        if message and exc is None:
            raise AssertionError(message)

    async def __aenter__(self) -> AioHTTPretty:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._lifecycles:
            await self._lifecycles[-1].mock.aclose()
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        options = self._options
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with mocked(**options):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with mocked(**options):
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

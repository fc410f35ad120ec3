"""Cassettes: real traffic recorded once, replayed in every test run.

A cassette is one JSON file holding each exchange in the order it happened:
the request (method, URL, headers, body) and the response (status, reason,
headers, body) as they went over the wire: a compressed body is kept as it
came, so ``Content-Encoding`` replays faithfully, and ``"chunked": true``
notes a chunked body.  A body is text when it is UTF-8 and not compressed,
base64 otherwise.  Replay writes the recorded bytes into aiohttp's own
parser, which reads them exactly as it read the original.

Record modes: ``once`` (record when the file is missing, else replay only),
``none`` (replay only), ``new_episodes`` (replay what is there, record what is
new), ``all`` (always re-record).  The environment variable
``AIOHTTPRETTY_RECORD_MODE`` (or pytest's ``--aiohttpretty-record``) overrides
the mode of every cassette.

A cassette is consulted after the registered routes: a route wins.  It is
saved when the test (or block) ended without failing, atomically (a
temporary file renamed), so a failing test never leaves a half-written one.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from . import scope
from ._cassette_file import DEFAULT_FILTERED_HEADERS, FORMAT_VERSION, PLACEHOLDER, CassetteError, Exchange
from ._tape import (
    MATCH_ON,
    RECORD_MODES,
    Cassette,
    check_mode,
    record_mode_override,
    set_record_mode_override,
)
from .lifecycle import Lifecycle

__all__ = [
    "DEFAULT_FILTERED_HEADERS",
    "FORMAT_VERSION",
    "MATCH_ON",
    "PLACEHOLDER",
    "RECORD_MODES",
    "Cassette",
    "CassetteError",
    "Exchange",
    "cassette",
    "record_mode_override",
    "set_record_mode_override",
]

F = TypeVar("F", bound=Callable[..., Any])


class cassette:
    """Record real traffic to ``path`` once, replay it afterwards.

    A context manager (``with``/``async with``) and a decorator (sync or async
    functions).  It mounts the cassette on the current mock while that is
    active (a test case's, a pytest test's, a :func:`~aiohttpretty.mocked`
    block's), else it starts a fresh mock of its own for the block.  When the
    block ends without an error the cassette is saved (if it recorded
    anything); with ``assert_all_called=True`` a recorded exchange never
    requested fails it with :class:`AssertionError`.

    ``mode``: ``once``, ``none``, ``new_episodes`` or ``all`` (module doc).
    ``match_on``: what a request must share with a recorded one (some of
    ``method``, ``url``, ``headers``, ``body``); the query is compared as a
    set of pairs, as routes do.  ``filter_headers`` and ``filter_query`` name
    headers and query parameters written as ``<FILTERED>`` (besides
    ``Authorization``, ``Cookie``, ``Set-Cookie`` and ``Proxy-Authorization``,
    unless ``keep_headers`` names them).  ``before_record`` gets each exchange
    as the dict to be saved and returns it (changed or not), or ``None`` to
    leave it out.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "once",
        *,
        assert_all_called: bool = False,
        **options: Any,
    ) -> None:
        check_mode(mode, "cassette(mode=...)")
        if not isinstance(assert_all_called, bool):
            raise TypeError(
                f"cassette(assert_all_called=...) must be True or False; got {assert_all_called!r}"
            )
        unknown = set(options) - {
            "match_on",
            "filter_headers",
            "keep_headers",
            "filter_query",
            "before_record",
        }
        if unknown:
            raise TypeError(f"cassette() got unknown option(s) {sorted(unknown)}")
        self._args = (path, mode, options)
        self._assert_all_called = assert_all_called
        self._entered: list[tuple[Cassette, Any, Any]] = []

    def __enter__(self) -> Cassette:
        path, mode, options = self._args
        tape = Cassette(path, mode, **options)
        mock = scope.current()
        lifecycle = None
        if not mock.is_active:
            lifecycle = Lifecycle()
            mock = lifecycle.start()
        mock.mount(tape)
        self._entered.append((tape, mock, lifecycle))
        return tape

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        tape, mock, lifecycle = self._entered.pop()
        mock.unmount(tape)
        message = None
        try:
            if lifecycle is not None:
                if exc is not None:
                    lifecycle.note(exc)
                else:
                    lifecycle.passed()
                message = lifecycle.verdict()
        finally:
            if lifecycle is not None:
                lifecycle.restore()
        if exc is not None:
            return
        if self._assert_all_called:
            message = "\n".join(m for m in (message, tape.unused_message()) if m) or None
        if message:
            raise AssertionError(message)
        tape.save()

    async def __aenter__(self) -> Cassette:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        path, mode, options = self._args
        arguments = {"assert_all_called": self._assert_all_called, **options}
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with cassette(path, mode, **arguments):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with cassette(path, mode, **arguments):
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

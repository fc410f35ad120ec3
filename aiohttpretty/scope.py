"""Which mock the module-level API talks to, and scoped mocks.

A test case, the pytest marker or a :func:`mocked` block pushes a fresh mock;
while it is pushed, ``aiohttpretty.register_uri`` and friends act on it, so
routes and calls never leak from one test to the next.
"""

from __future__ import annotations

import functools
import inspect
from types import TracebackType
from typing import Any, Callable, TypeVar

from .mock import AioHTTPretty

__all__ = ["current", "mocked", "pop", "push"]

_default = AioHTTPretty()
_stack: list[AioHTTPretty] = []

F = TypeVar("F", bound=Callable[..., Any])


def current() -> AioHTTPretty:
    """The mock the module-level functions act on now."""
    return _stack[-1] if _stack else _default


def push(mock: AioHTTPretty) -> None:
    """Make ``mock`` the current mock until :func:`pop`."""
    _stack.append(mock)


def pop(mock: AioHTTPretty) -> None:
    """Undo :func:`push` for ``mock``; it need not be the last one pushed."""
    if mock in _stack:
        _stack.remove(mock)


class mocked:
    """A fresh, active mock for a block or a function, restored afterwards.

    Use it as ``with mocked() as mock:``, ``async with mocked() as mock:``, or as
    a decorator on a sync or async function (``@mocked()``).  Inside, the
    module-level functions act on that mock.  On exit the mock is cleared and
    deactivated and aiohttp restored, even when the block raised.  Blocks nest.
    """

    def __init__(self, passthrough: Any = None) -> None:
        self._passthrough = passthrough
        self._mocks: list[AioHTTPretty] = []

    def __enter__(self) -> AioHTTPretty:
        mock = AioHTTPretty()
        push(mock)
        try:
            mock.activate(self._passthrough)
        except BaseException:
            pop(mock)
            raise
        self._mocks.append(mock)
        return mock

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        mock = self._mocks.pop()
        try:
            mock.deactivate()
        finally:
            pop(mock)
            mock.clear()

    async def __aenter__(self) -> AioHTTPretty:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with mocked(self._passthrough):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with mocked(self._passthrough):
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

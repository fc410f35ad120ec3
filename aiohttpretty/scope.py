"""Which mock the module-level API talks to.

A test case, the pytest marker or fixture, or a :func:`~aiohttpretty.mocked`
block pushes a fresh mock; while it is pushed, ``aiohttpretty.register_uri``
and friends act on it, so routes and calls never leak from one test to the
next.  Otherwise they act on one default mock.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable, Concatenate, ParamSpec, TypeVar

from .mock import ORIGINAL_API, AioHTTPretty

__all__ = ["current", "original_api", "pop", "push"]

P = ParamSpec("P")
R = TypeVar("R")

_default = AioHTTPretty()
_stack: list[AioHTTPretty] = []


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


def original_api(method: Callable[Concatenate[AioHTTPretty, P], R]) -> Callable[P, R]:
    """The module-level function of the original API for ``method``: it acts on
    the current mock, warns about unknown options instead of raising, and
    keeps the original's defaults."""
    name = method.__name__

    @functools.wraps(method)
    def forward(*args: P.args, **kwargs: P.kwargs) -> R:
        kwargs[ORIGINAL_API] = True
        return getattr(current(), name)(*args, **kwargs)  # type: ignore[no-any-return]

    signature = inspect.signature(method)
    forward.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    del forward.__wrapped__
    return forward

"""The :class:`aioresponses` class, all of its public API: its lifecycle
(context manager, decorator, :meth:`~aioresponses.start` and
:meth:`~aioresponses.stop`), its routes and aioresponses' assertions on the
recorded calls.  It sees the session calls through :mod:`._recording` and
answers on the wire through :mod:`._answering`."""

from __future__ import annotations

import functools
import inspect
from types import TracebackType
from typing import Any, Callable, TypeVar, cast
from uuid import uuid4

from aiohttp import ClientResponse, hdrs
from yarl import URL

from ..mock import AioHTTPretty
from ._matching import (
    RequestCall,
    RequestMatch,
    URLOrPattern,
    build_request_call,
    merge_params,
    normalize_url,
)
from ._passthrough import passthrough_hosts
from ._recording import Recording, observe_sessions, stop_observing

__all__ = ["aioresponses"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: The methods that have a catch-all route from the start; others get one when
#: a route or a request uses them.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")


class aioresponses(Recording):
    """Mock the requests of :class:`aiohttp.ClientSession`, as aioresponses does.

    Use it as a context manager (``with aioresponses() as m:``), as a decorator
    of a sync or async test function or method (the mock is passed as the last
    positional argument, or as the keyword argument ``param`` names), or with
    :meth:`start` and :meth:`stop`.

    ``passthrough`` lists URLs whose host (and port, when the URL gives one)
    reaches the network; ``passthrough_unmatched=True`` sends every request that
    no route matches to the network.
    """

    def __init__(
        self,
        *,
        param: str | None = None,
        passthrough: Any = (),
        passthrough_unmatched: bool = False,
    ) -> None:
        self._param = param
        self._passthrough: list[str] = [str(prefix) for prefix in (passthrough or ())]
        self._passthrough_hosts = passthrough_hosts(self._passthrough)
        self.passthrough_unmatched = passthrough_unmatched
        #: Every call of the session, keyed by ``(method, URL)`` as aioresponses
        #: keys it: the method as passed, the URL with its query sorted
        #: (:func:`normalize_url`).  Kept after :meth:`stop`.
        self.requests: dict[tuple[str, URL], list[RequestCall]] = {}
        self._matches: dict[str, RequestMatch] = {}
        self._responses: list[ClientResponse] = []
        #: The :class:`aiohttpretty.AioHTTPretty` answering while started (the
        #: last one after :meth:`stop`): ``.calls`` the requests as sent on the
        #: wire, ``.unmatched`` those refused.
        self.aiohttpretty: AioHTTPretty | None = None
        self._methods: set[str] = set()
        self._depth = 0

    # Starting and stopping.
    def __enter__(self) -> aioresponses:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        def with_mock(mock: aioresponses, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
            if self._param:
                kwargs[self._param] = mock
                return args
            return (*args, mock)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self as mock:
                    return await func(*with_mock(mock, args, kwargs), **kwargs)

            return cast(_F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self as mock:
                return func(*with_mock(mock, args, kwargs), **kwargs)

        return cast(_F, run)

    def start(self) -> None:
        """Start mocking: from now on every request of every session is
        answered by this mock's routes (or passed through)."""
        self._depth += 1
        if self._depth > 1:
            return
        self._responses = []
        mock = AioHTTPretty()
        self._methods = set()
        self.aiohttpretty = mock
        for method in (*_METHODS, *(route.method.upper() for route in self._matches.values())):
            self._answer_method(method)
        try:
            mock.activate(self._passthrough_hosts or None)
            observe_sessions(self)
        except BaseException:
            self._depth = 0
            stop_observing(self)
            mock.deactivate()
            raise

    def stop(self) -> None:
        """Stop mocking and forget the routes; :attr:`requests` stays."""
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        stop_observing(self)
        if self.aiohttpretty is not None:
            self.aiohttpretty.deactivate()
        self.clear()

    def clear(self) -> None:
        """Forget the routes and the responses (not :attr:`requests`)."""
        self._responses.clear()
        self._matches.clear()

    # Routes.
    def head(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``HEAD url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_HEAD, **kwargs)

    def get(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``GET url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_GET, **kwargs)

    def post(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``POST url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_POST, **kwargs)

    def put(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``PUT url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_PUT, **kwargs)

    def patch(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``PATCH url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_PATCH, **kwargs)

    def delete(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``DELETE url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_DELETE, **kwargs)

    def options(self, url: URLOrPattern, **kwargs: Any) -> None:
        """Add a route for ``OPTIONS url``; the options are those of :meth:`add`."""
        self.add(url, method=hdrs.METH_OPTIONS, **kwargs)

    def add(
        self,
        url: URLOrPattern,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        exception: Any = None,
        content_type: str = "application/json",
        payload: Any = None,
        headers: Any = None,
        response_class: type[ClientResponse] | None = None,
        repeat: bool | int = False,
        timeout: bool = False,
        reason: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        """Add a route: the next request for ``method url`` (a string, a
        :class:`yarl.URL` or a compiled pattern matched against the URL with
        its query sorted) gets this response.

        The first route added that matches answers; it answers once, or
        ``repeat`` times (``True``: always).  ``payload`` is sent as JSON (it
        wins over ``body``); ``content_type`` is the ``Content-Type``, which
        ``headers`` may replace.  ``exception`` (an instance or a class) is
        raised instead of a response, ``timeout=True`` raises
        :class:`asyncio.TimeoutError`.  ``callback(url, **kwargs)`` (sync or
        async) is called with the arguments of the request and may return a
        :class:`CallbackResult` to send instead.  ``response_class`` is the
        class of the response object.
        """
        self._matches[str(uuid4())] = RequestMatch(
            url,
            method=method,
            status=status,
            body=body,
            payload=payload,
            exception=exception,
            headers=headers,
            content_type=content_type,
            response_class=response_class,
            timeout=timeout,
            repeat=repeat,
            reason=reason,
            callback=callback,
        )
        if self.aiohttpretty is not None and self._depth:
            self._answer_method(method.upper())

    # Assertions (aioresponses' messages).
    def assert_not_called(self) -> None:
        """Fail if any request was made."""
        if self.requests:
            raise AssertionError(
                f"Expected '{type(self).__name__}' to not have been called. "
                f"Called {len(self._responses)} times."
            )

    def assert_called(self) -> None:
        """Fail if no request was made."""
        if not self.requests:
            raise AssertionError(f"Expected '{type(self).__name__}' to have been called.")

    def assert_called_once(self) -> None:
        """Fail unless exactly one request was made."""
        count = len(self.requests)
        if count == 1:
            count = len(next(iter(self.requests.values())))
        if count != 1:
            raise AssertionError(
                f"Expected '{type(self).__name__}' to have been called once. Called {count} times."
            )

    def assert_called_with(
        self,
        url: str | URL,
        method: str = hdrs.METH_GET,
        args_to_match: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Fail unless the last request for ``method url`` (``params`` merged
        into ``url``) was made with these arguments; ``args_to_match`` names
        the keyword arguments to compare (default: all)."""
        method = method.upper()
        key = (method, normalize_url(merge_params(url, kwargs.get("params"))))
        if not self.requests.get(key):
            signature = self._format_call_signature(key[1], *args, method=method, **kwargs)
            raise AssertionError(f"{signature} call not found")
        actual = self.requests[key][-1]
        expected = build_request_call(method, *args, **kwargs)
        if args_to_match is not None:
            differs = any(
                name not in actual.kwargs
                or name not in expected.kwargs
                or actual.kwargs[name] != expected.kwargs[name]
                for name in args_to_match
            )
        else:
            differs = actual != expected
        if differs:
            raise AssertionError(
                f"{self._format_call_signature(actual)} != {self._format_call_signature(expected)}"
            )

    def assert_called_once_with(self, *args: Any, **kwargs: Any) -> None:
        """:meth:`assert_called_once`, then :meth:`assert_called_with`."""
        self.assert_called_once()
        self.assert_called_with(*args, **kwargs)

    def assert_any_call(self, url: str | URL, method: str = hdrs.METH_GET, *args: Any, **kwargs: Any) -> None:
        """Fail unless a request for ``method url`` (``params`` merged into
        ``url``) was made; like aioresponses, other arguments are not compared."""
        method = method.upper()
        key = (method, normalize_url(merge_params(url, kwargs.get("params"))))
        if key not in self.requests:
            signature = self._format_call_signature(key[1], *args, method=method, **kwargs)
            raise AssertionError(f"{signature} call not found")

    def _format_call_signature(self, *args: Any, **kwargs: Any) -> str:
        parts = [repr(arg) for arg in args] + [f"{name}={value!r}" for name, value in kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def __repr__(self) -> str:
        state = "started" if self._depth else "stopped"
        return f"<aioresponses {state} routes={len(self._matches)} requests={len(self.requests)}>"

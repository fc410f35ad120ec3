"""Assertions on recorded calls, and the messages a test's end may fail with.

Each check returns ``None`` when it holds, or the failure message, written
like :mod:`unittest.mock`'s: the expected request, then the requests actually
made and what differed.  The comparison itself is :mod:`.matchers`'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Union

from yarl import URL

from ._urls import URI, normalise_method, normalise_url
from .matchers import ANY_QUERY, EXACT, NOT_GIVEN, PARTIAL, RequestPattern, assertion_checks, split_any_params
from .records import Call, CallList, Mistake

__all__ = [
    "NOT_GIVEN",
    "CallAssertions",
    "CallPattern",
    "Calls",
    "Expected",
    "Raises",
    "check_call_count",
    "check_called",
    "check_in_order",
    "check_not_called",
    "mistakes_message",
    "unmatched_message",
    "unused_routes_message",
    "with_msg",
]


class CallPattern:
    """What an assertion expects of a request (``method``/``uri`` ``None``: any)."""

    def __init__(
        self,
        method: str | None,
        uri: URI | None,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        multipart: Mapping[str, Any] | None = None,
        proxy: Any = None,
    ) -> None:
        self.method = None if method is None or method == "*" else normalise_method(method)
        params, any_params = split_any_params(params, exact=True)
        self.url: URL | None = None if uri is None else normalise_url(uri, params)
        self.check_params = check_params
        checks = assertion_checks(headers, data, json, multipart, proxy)
        if any_params is not None and check_params:
            checks.insert(0, any_params)
        self._pattern = RequestPattern(
            self.method,
            _EVERY_URL if self.url is None else self.url,
            query=(PARTIAL if any_params else EXACT) if check_params else ANY_QUERY,
            conditions=checks,
        )
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        self.data = data
        self.json = json
        self.multipart = multipart
        self.proxy = proxy

    def differences(self, call: Call) -> list[str]:
        """What differs between ``call`` and this pattern, in brief; empty when it matches."""
        return [difference.actual for difference in self._pattern.differences(call)]

    def matches(self, call: Call) -> bool:
        return self._pattern.matches(call)

    def __str__(self) -> str:
        url: Any = "(any url)" if self.url is None else self.url
        if self.url is not None and not self.check_params:
            url = self.url.with_query(None)
        text = f"{self.method or '*'} {url}"
        if self.url is not None and not self.check_params:
            text += " (any query)"
        if self.headers:
            text += f" headers={self.headers!r}"
        if self.data is not None:
            text += f" data={self.data!r:.200}"
        if self.json is not NOT_GIVEN:
            text += f" json={self.json!r:.200}"
        if self.multipart is not None:
            text += f" multipart={self.multipart!r:.200}"
        if self.proxy is not None:
            text += f" proxy={self.proxy}"
        return text


def with_msg(message: str, msg: Any) -> str:
    """``message`` with the test's own ``msg`` on a line of its own after it (the
    message ends with a list of requests, which ``msg`` must not be read as part of)."""
    return message if msg is None else f"{message}\n{msg}"


_EVERY_URL = re.compile("")


class Calls(CallList):
    """A mock's recorded calls, with a query: :meth:`filter`."""

    def filter(
        self,
        method: str | None = None,
        url: URI | None = None,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        multipart: Mapping[str, Any] | None = None,
        proxy: Any = None,
    ) -> CallList:
        """The calls that match, in order: the criteria of ``assert_called``,
        each optional (no ``method``/``url``: any)."""
        pattern = CallPattern(
            method,
            url,
            params=params,
            check_params=check_params,
            headers=headers,
            data=data,
            json=json,
            multipart=multipart,
            proxy=proxy,
        )
        return CallList(call for call in self if pattern.matches(call))


#: One expected request of :meth:`CallAssertions.assert_calls_in_order`:
#: ``(method, url)`` or a :class:`CallPattern`.
Expected = Union[tuple[str, URI], CallPattern]


def check_in_order(calls: list[Call], expected: Sequence[Expected]) -> str | None:
    """The calls include requests matching ``expected``, in this order (others may come between)."""
    patterns = [item if isinstance(item, CallPattern) else CallPattern(*item) for item in expected]
    position = 0
    for pattern in patterns:
        while position < len(calls) and not pattern.matches(calls[position]):
            position += 1
        if position == len(calls):
            return (
                "Expected requests in this order:\n"
                + "\n".join(f"  {p}" for p in patterns)
                + f"\nNot found in order: {pattern}\nActual sequence:\n"
                + ("\n".join(f"  {call.method} {call.url}" for call in calls) or "  (no requests)")
            )
        position += 1
    return None


def _actual(calls: list[Call], pattern: CallPattern) -> str:
    if not calls:
        return "Actual: no requests were made."
    lines = ["Actual requests:"]
    for call in calls:
        diffs = pattern.differences(call)
        note = f"  <- differs: {'; '.join(diffs)}" if diffs else "  <- matches"
        lines.append(f"  {call.method} {call.url}{note}")
    return "\n".join(lines)


def check_called(calls: list[Call], pattern: CallPattern) -> str | None:
    """At least one call matches ``pattern``."""
    if any(pattern.matches(call) for call in calls):
        return None
    return f"Expected request not made.\nExpected: {pattern}\n{_actual(calls, pattern)}"


def check_not_called(calls: list[Call], pattern: CallPattern) -> str | None:
    """No call matches ``pattern``."""
    made = [call for call in calls if pattern.matches(call)]
    if not made:
        return None
    were = "1 was" if len(made) == 1 else f"{len(made)} were"
    return f"Expected no request matching {pattern}, but {were} made:\n" + "\n".join(
        f"  {call.method} {call.url}" for call in made
    )


def check_call_count(calls: list[Call], pattern: CallPattern, count: int) -> str | None:
    """Exactly ``count`` calls match ``pattern``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise TypeError(f"count must be an int >= 0, got {count!r}")
    made = sum(1 for call in calls if pattern.matches(call))
    if made == count:
        return None
    return f"Expected {count} request(s) matching {pattern}, got {made}.\n{_actual(calls, pattern)}"


class CallAssertions:
    """The assertions on recorded calls, one implementation for the mock and the
    pytest fixture (``assert_called``, ...) and the unittest test case
    (``assertCalled``, ...).

    A subclass gives the calls to check in :meth:`_calls_to_check`, and may turn
    a failure into its framework's own (``TestCase.fail`` with ``longMessage``).
    """

    def _calls_to_check(self) -> list[Call]:
        raise NotImplementedError

    def _assertion_failed(self, message: str, msg: Any) -> None:
        __tracebackhide__ = True
        raise AssertionError(with_msg(message, msg))

    def _check(self, message: str | None, msg: Any) -> None:
        __tracebackhide__ = True
        if message is not None:
            self._assertion_failed(message, msg)

    def assert_called(
        self,
        method: str,
        uri: URI,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        multipart: Mapping[str, Any] | None = None,
        proxy: Any = None,
        msg: Any = None,
    ) -> None:
        """Fail unless at least one recorded request matches.

        ``headers`` must be present with these values (names are
        case-insensitive); ``data`` is compared to the body as a server reads
        it, decoded from its ``Content-Encoding`` (a ``str`` as UTF-8, a mapping
        as a form-encoded body); ``json`` to that body decoded as JSON
        (``json=None`` expects a JSON ``null``; the default,
        :data:`~aiohttpretty.NOT_GIVEN`, expects nothing; a
        :class:`~aiohttpretty.JsonLike` compares loosely); ``multipart`` to the
        fields of a ``multipart/form-data`` body; ``proxy`` to the proxy the
        request went through; ``check_params=False`` ignores the query string.
        :data:`~aiohttpretty.ANY` stands for any value in each.
        """
        __tracebackhide__ = True
        pattern = CallPattern(
            method,
            uri,
            params=params,
            check_params=check_params,
            headers=headers,
            data=data,
            json=json,
            multipart=multipart,
            proxy=proxy,
        )
        self._check(check_called(self._calls_to_check(), pattern), msg)

    def assert_not_called(
        self,
        method: str,
        uri: URI,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
        multipart: Mapping[str, Any] | None = None,
        proxy: Any = None,
        msg: Any = None,
    ) -> None:
        """Fail if any recorded request matches (the criteria of :meth:`assert_called`)."""
        __tracebackhide__ = True
        pattern = CallPattern(
            method,
            uri,
            params=params,
            check_params=check_params,
            headers=headers,
            data=data,
            json=json,
            multipart=multipart,
            proxy=proxy,
        )
        self._check(check_not_called(self._calls_to_check(), pattern), msg)

    def assert_call_count(
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
        multipart: Mapping[str, Any] | None = None,
        proxy: Any = None,
        msg: Any = None,
    ) -> None:
        """Fail unless exactly ``count`` recorded requests match (the criteria of
        :meth:`assert_called`)."""
        __tracebackhide__ = True
        pattern = CallPattern(
            method,
            uri,
            params=params,
            check_params=check_params,
            headers=headers,
            data=data,
            json=json,
            multipart=multipart,
            proxy=proxy,
        )
        self._check(check_call_count(self._calls_to_check(), pattern, count), msg)

    def assert_calls_in_order(self, expected: Sequence[Expected], *, msg: Any = None) -> None:
        """Fail unless requests matching ``expected`` (each ``(method, url)``
        or a :class:`CallPattern`) were made in this order; other requests may
        come between them."""
        __tracebackhide__ = True
        self._check(check_in_order(self._calls_to_check(), expected), msg)


def unmatched_message(unmatched: list[Call]) -> str | None:
    """Requests no route answered (their error may have been swallowed)."""
    if not unmatched:
        return None
    return (
        "Requests that matched no registered route were made:\n"
        + "\n".join(f"  {call.method} {call.url}" for call in unmatched)
        + "\nTo expect a failure on purpose, register the route with exception=..., or expect "
        "NoRouteMatched itself (assertRaises(NoRouteMatched), mock.raises()); a wider expectation "
        "such as assertRaises(Exception) does not count."
    )


def mistakes_message(mistakes: list[Mistake]) -> str | None:
    """Mistakes of registrations that showed at request time."""
    if not mistakes:
        return None
    lines = []
    routes = [mistake for mistake in mistakes if not mistake.detail]
    if routes:
        lines.append(
            "Registrations failed at request time (the request got the error; fix the registration):"
        )
        lines.extend(f"  {mistake.describe()}" for mistake in routes)
    served = [mistake for mistake in mistakes if mistake.detail]
    if served:
        lines.append(
            "Applications registered with register_app failed while serving"
            " (the client got a 500, or the error of its startup):"
        )
        lines.extend(f"  {mistake.describe()}" for mistake in served)
    return "\n".join(lines)


def unused_routes_message(routes: Iterable[Any]) -> str | None:
    """Registered routes that were never requested."""
    unused = [route for route in routes if not route.called and not getattr(route, "optional", False)]
    if not unused:
        return None
    return "Registered routes were never requested (assert_all_called is on):\n" + "\n".join(
        f"  {route.describe()}" for route in unused
    )


class Raises:
    """The context of :meth:`AioHTTPretty.raises`: expects ``expected`` to be
    raised in the block, like ``assertRaises``; a refusal it catches was
    expected, so it does not fail the test when it ends."""

    def __init__(
        self,
        expected: type[BaseException] | tuple[type[BaseException], ...],
        match: str | re.Pattern[str] | None,
        forgive: Callable[[BaseException | None], None],
    ) -> None:
        self.expected = expected
        self.match = match
        self._forgive = forgive
        #: The exception caught, once the block ended.
        self.exception: BaseException | None = None

    @property
    def value(self) -> BaseException | None:
        """The exception caught (``pytest.raises``' name)."""
        return self.exception

    def __enter__(self) -> Raises:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        __tracebackhide__ = True
        if exc is None:
            raise AssertionError(f"{_names(self.expected)} not raised")
        if not isinstance(exc, self.expected):
            return False
        if self.match is not None and not re.search(self.match, str(exc)):
            raise AssertionError(f"{str(exc)!r} does not match {self.match!r}") from exc
        self._forgive(exc)
        self.exception = exc
        return True


def _names(expected: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(kind.__name__ for kind in kinds)

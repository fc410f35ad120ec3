"""Assertions on recorded calls, and the checks when a test ends, shared by
the unittest test case and the pytest plugin.  Each check returns ``None`` when
it holds, or the failure message, written like :mod:`unittest.mock`'s: the
expected request, then the requests actually made and what differed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from yarl import URL

from .matchers import _Headers, same_data
from .records import Call
from .routes import URI, location, normalise_method, normalise_url, query_key, query_pairs

__all__ = [
    "FAILED",
    "NOT_GIVEN",
    "PASSED",
    "QUIET",
    "CallAssertions",
    "CallPattern",
    "ForgivingContext",
    "check_call_count",
    "check_called",
    "check_not_called",
    "forgiving",
    "teardown_message",
    "unmatched_message",
    "unused_routes_message",
]

#: The default of ``json=``: no expectation on the JSON body.
NOT_GIVEN: Any = object()


class CallPattern:
    """What an assertion expects of a request."""

    def __init__(
        self,
        method: str,
        uri: URI,
        *,
        params: Any = None,
        check_params: bool = True,
        headers: Mapping[str, Any] | None = None,
        data: Any = None,
        json: Any = NOT_GIVEN,
    ) -> None:
        self.method = normalise_method(method)
        self.url: URL = normalise_url(uri, params)
        self.check_params = check_params
        if headers is not None and not isinstance(headers, Mapping):
            raise TypeError(f"headers must be a mapping, got {type(headers).__name__}")
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        # One check per header, so that every header that differs is named.
        self._header_checks = [(name, _Headers({name: value})) for name, value in self.headers.items()]
        if data is not None:
            if not isinstance(data, (bytes, bytearray, memoryview, str, Mapping, list, tuple)):
                raise TypeError(
                    f"data must be bytes, str, or a mapping or sequence of pairs compared as a "
                    f"form-encoded body, got {type(data).__name__}"
                )
            if isinstance(data, (Mapping, list, tuple)):
                query_pairs(data)  # a TypeError now, not a mismatch later
        self.data = data
        self.json = json

    def differences(self, call: Call) -> list[str]:
        """What differs between ``call`` and this pattern; empty when it matches."""
        diffs = []
        if call.method != self.method:
            diffs.append(f"method {call.method}")
        if location(call.url) != location(self.url):
            diffs.append(f"url {call.url.with_query(None)}")
        elif self.check_params and query_key(call.url) != query_key(self.url):
            diffs.append(f"query {_pairs(query_key(call.url))}")
        for name, check in self._header_checks:
            if check(call) is not None:
                sent = call.headers.getall(name, [])
                diffs.append(f"header {name}: {', '.join(sent) if sent else '(absent)'}")
        if self.data is not None and not same_data(self.data, call.body):
            diffs.append(f"data {call.body!r:.200}")
        if self.json is not NOT_GIVEN:
            try:
                decoded = call.json()
            except ValueError:
                diffs.append(f"json (body is not JSON: {call.body!r:.100})")
            else:
                if decoded != self.json:
                    diffs.append(f"json {decoded!r:.200}")
        return diffs

    def matches(self, call: Call) -> bool:
        return not self.differences(call)

    def __str__(self) -> str:
        url = self.url if self.check_params else self.url.with_query(None)
        text = f"{self.method} {url}"
        if not self.check_params:
            text += " (any query)"
        if self.headers:
            text += f" headers={self.headers!r}"
        if self.data is not None:
            text += f" data={self.data!r:.200}"
        if self.json is not NOT_GIVEN:
            text += f" json={self.json!r:.200}"
        return text


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(pairs)) or "(empty)"


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
    """The assertions on recorded calls, one implementation for the unittest test
    case (``assertCalled``, ...) and the pytest fixture (``assert_called``, ...).

    A subclass gives the calls to check in :meth:`_calls_to_check`, and may turn
    a failure into its framework's own (``TestCase.fail`` with ``longMessage``).
    """

    def _calls_to_check(self) -> list[Call]:
        raise NotImplementedError

    def _assertion_failed(self, message: str, msg: Any) -> None:
        __tracebackhide__ = True
        raise AssertionError(message if msg is None else f"{message} : {msg}")

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
        msg: Any = None,
    ) -> None:
        """Fail unless at least one recorded request matches.

        ``headers`` must be present with these values (names are
        case-insensitive); ``data`` is compared to the body as sent (a ``str``
        as UTF-8, a mapping as a form-encoded body); ``json`` to the decoded JSON
        body (``json=None`` expects a JSON ``null``); ``check_params=False``
        ignores the query string.
        """
        __tracebackhide__ = True
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
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
        msg: Any = None,
    ) -> None:
        """Fail if any recorded request matches (the criteria of :meth:`assert_called`)."""
        __tracebackhide__ = True
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
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
        msg: Any = None,
    ) -> None:
        """Fail unless exactly ``count`` recorded requests match (the criteria of
        :meth:`assert_called`)."""
        __tracebackhide__ = True
        pattern = CallPattern(
            method, uri, params=params, check_params=check_params, headers=headers, data=data, json=json
        )
        self._check(check_call_count(self._calls_to_check(), pattern, count), msg)


# How a test went, as far as the teardown checks care.
PASSED = "passed"  # the test returned
FAILED = "failed"  # its setup, the test, a subtest or its teardown raised: reported already
QUIET = "quiet"  # skipped, or an expected failure: no teardown checks


def teardown_message(
    unmatched: list[Call], routes: Iterable[Any], *, assert_all_called: bool, outcome: str | None
) -> str | None:
    """What fails a test when it ends: requests that matched no route (the code
    under test may have swallowed their error) and, with ``assert_all_called``,
    routes never requested; not after the test failed, for it stopped early.
    Nothing for a skipped test or an expected failure (``outcome`` ``QUIET``)."""
    if outcome == QUIET:
        return None
    problems = [unmatched_message(unmatched)]
    if assert_all_called and outcome != FAILED:
        problems.append(unused_routes_message(routes))
    return "\n".join(problem for problem in problems if problem) or None


class ForgivingContext:
    """An ``assertRaises`` or ``pytest.raises`` context whose refusals were
    expected by the test: ``forgive`` takes the exception passing through, so
    that it does not fail the test again at teardown.  (One that is not caught
    fails the test, and is reported with it.)"""

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


def forgiving(
    func: Callable[..., Any], forgive: Callable[[BaseException | None], None]
) -> Callable[..., Any]:
    """``func`` for the callable form of ``assertRaises(expected, func, ...)`` or
    ``pytest.raises``: what it raises goes through ``forgive`` first."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            forgive(exc)
            raise

    call.__name__ = getattr(func, "__name__", None) or str(func)  # for "not raised by ..."
    return call


def unmatched_message(unmatched: list[Call]) -> str | None:
    """Requests no route answered (their error may have been swallowed)."""
    if not unmatched:
        return None
    return "Requests that matched no registered route were made:\n" + "\n".join(
        f"  {call.method} {call.url}" for call in unmatched
    )


def unused_routes_message(routes: Iterable[Any]) -> str | None:
    """Registered routes that were never requested."""
    unused = [route for route in routes if not route.called]
    if not unused:
        return None
    return "Registered routes were never requested (assert_all_called is on):\n" + "\n".join(
        f"  {_describe(route)}" for route in unused
    )


def _describe(route: Any) -> str:
    describe = getattr(route, "describe", None)
    return str(describe()) if callable(describe) else f"{route.method} {route.url}"

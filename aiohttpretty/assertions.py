"""Assertions on recorded calls, and the messages a test's end may fail with.

Each check returns ``None`` when it holds, or the failure message, written
like :mod:`unittest.mock`'s: the expected request, then the requests actually
made and what differed.  The comparison itself is :mod:`.matchers`'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import WSMsgType
from yarl import URL

from ._urls import URI, normalise_method, normalise_url
from .matchers import ANY_QUERY, EXACT, NOT_GIVEN, RequestPattern, assertion_checks
from .records import CLIENT, SERVER, Call, Mistake, WebSocketConversation, WebSocketMessage

__all__ = [
    "NOT_GIVEN",
    "CallAssertions",
    "CallPattern",
    "MessagePattern",
    "Raises",
    "WebSocketAssertions",
    "check_call_count",
    "check_called",
    "check_not_called",
    "mistakes_message",
    "unmatched_message",
    "unused_routes_message",
]


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
        self._pattern = RequestPattern(
            self.method,
            self.url,
            query=EXACT if check_params else ANY_QUERY,
            conditions=assertion_checks(headers, data, json),
        )
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        self.data = data
        self.json = json

    def differences(self, call: Call) -> list[str]:
        """What differs between ``call`` and this pattern, in brief; empty when it matches."""
        return [difference.actual for difference in self._pattern.differences(call)]

    def matches(self, call: Call) -> bool:
        return self._pattern.matches(call)

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
        body (``json=None`` expects a JSON ``null``; the default,
        :data:`~aiohttpretty.NOT_GIVEN`, expects nothing); ``check_params=False``
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


class MessagePattern:
    """What a websocket assertion expects of a message: ``message`` (a ``str``
    is a text message, ``bytes`` a binary one, an ``int`` with
    ``type=WSMsgType.CLOSE`` a close code), ``json`` (a text or binary message
    whose JSON is this), ``type`` (a :class:`aiohttp.WSMsgType`)."""

    def __init__(self, message: Any = NOT_GIVEN, *, json: Any = NOT_GIVEN, type: Any = None) -> None:
        if message is NOT_GIVEN and json is NOT_GIVEN and type is None:
            raise TypeError("give the message expected (a str, bytes), json= or type=")
        if message is not NOT_GIVEN and json is not NOT_GIVEN:
            raise TypeError("give the message or json=, not both")
        if type is not None and not isinstance(type, WSMsgType):
            raise TypeError(f"type must be an aiohttp.WSMsgType, got {type!r}")
        if type is None and message is not NOT_GIVEN:
            if isinstance(message, str):
                type = WSMsgType.TEXT
            elif isinstance(message, (bytes, bytearray, memoryview)):
                type = WSMsgType.BINARY
            else:
                raise TypeError(
                    f"message must be a str (text) or bytes (binary), got {message!r:.80}; "
                    f"use json= for data sent as JSON"
                )
        if isinstance(message, (bytearray, memoryview)):
            message = bytes(message)
        self.message = message
        self.json = json
        self.type = type

    def matches(self, found: WebSocketMessage) -> bool:
        if self.type is not None and found.type is not self.type:
            return False
        if self.json is not NOT_GIVEN:
            if found.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                return False
            try:
                return bool(found.json() == self.json)
            except ValueError:
                return False
        return self.message is NOT_GIVEN or found.data == self.message

    def __str__(self) -> str:
        kind = self.type.name if self.type is not None else "a message"
        if self.json is not NOT_GIVEN:
            return f"{kind if self.type is not None else 'a message'} with JSON {self.json!r:.200}"
        if self.message is NOT_GIVEN:
            return f"a {kind} message"
        return f"{kind} {self.message!r:.200}"


def check_websocket(
    conversations: list[WebSocketConversation], url: RequestPattern, sender: str, pattern: MessagePattern
) -> str | None:
    """A websocket to ``url`` had a message matching ``pattern`` from ``sender``."""
    mine = [conversation for conversation in conversations if url.matches(conversation.request)]
    for conversation in mine:
        if any(m.sender == sender and pattern.matches(m) for m in conversation.messages):
            return None
    where = f"{url.url}" + ("" if url.query == EXACT else " (any query)")
    verb = "to have received" if sender == CLIENT else "to have sent"
    side = "from the client" if sender == CLIENT else "to the client"
    lines = [f"Expected a websocket to {where} {verb} {pattern} {side}."]
    if not mine:
        opened = ", ".join(str(conversation.request.url) for conversation in conversations)
        lines.append("No websocket was opened to it." + (f" Websockets opened: {opened}." if opened else ""))
    else:
        lines.append("Its conversation:" if len(mine) == 1 else f"Its {len(mine)} conversations:")
        lines.extend("  " + line for conversation in mine for line in conversation.describe().splitlines())
    return "\n".join(lines)


class WebSocketAssertions(CallAssertions):
    """The assertions on mocked websockets: what the route received from the
    code under test, and what it sent; a failure shows the conversation."""

    def _websockets_to_check(self) -> list[WebSocketConversation]:
        raise NotImplementedError

    def _check_websocket(
        self,
        uri: URI,
        sender: str,
        message: Any,
        json: Any,
        type: Any,
        params: Any,
        check_params: bool,
        msg: Any,
    ) -> None:
        __tracebackhide__ = True
        pattern = MessagePattern(message, json=json, type=type)
        url = RequestPattern(None, normalise_url(uri, params), query=EXACT if check_params else ANY_QUERY)
        self._check(check_websocket(self._websockets_to_check(), url, sender, pattern), msg)

    def assert_websocket_received(
        self,
        uri: URI,
        message: Any = NOT_GIVEN,
        *,
        json: Any = NOT_GIVEN,
        type: WSMsgType | None = None,
        params: Any = None,
        check_params: bool = True,
        msg: Any = None,
    ) -> None:
        """Fail unless a websocket route at ``uri`` received ``message``: the
        code under test sent it.  ``message`` is a ``str`` (a text message) or
        ``bytes`` (binary); ``json=`` expects a message whose JSON is this;
        ``type=`` a message of that :class:`aiohttp.WSMsgType` (``PING``,
        ``CLOSE`` with the close code as ``message``, ...)."""
        __tracebackhide__ = True
        self._check_websocket(uri, CLIENT, message, json, type, params, check_params, msg)

    def assert_websocket_sent(
        self,
        uri: URI,
        message: Any = NOT_GIVEN,
        *,
        json: Any = NOT_GIVEN,
        type: WSMsgType | None = None,
        params: Any = None,
        check_params: bool = True,
        msg: Any = None,
    ) -> None:
        """Fail unless a websocket route at ``uri`` sent ``message`` to the
        code under test (the arguments of :meth:`assert_websocket_received`)."""
        __tracebackhide__ = True
        self._check_websocket(uri, SERVER, message, json, type, params, check_params, msg)


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
    lines = ["Registrations failed at request time (the request got the error; fix the registration):"]
    lines.extend(f"  {mistake.describe()}" for mistake in mistakes)
    return "\n".join(lines)


def unused_routes_message(routes: Iterable[Any]) -> str | None:
    """Registered routes that were never requested."""
    unused = [route for route in routes if not route.called]
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

"""Assertions on mocked websockets: what a route received from the code
under test and what it sent, compared message by message; a failure shows the
conversation."""

from __future__ import annotations

from typing import Any

from aiohttp import WSMsgType

from ._urls import URI, normalise_url
from ._websocket_records import CLIENT, SERVER, WebSocketConversation, WebSocketMessage
from .assertions import CallAssertions
from .matchers import ANY_QUERY, EXACT, NOT_GIVEN, RequestPattern

__all__ = ["MessagePattern", "WebSocketAssertions", "check_websocket"]


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

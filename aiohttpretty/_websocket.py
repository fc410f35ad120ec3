"""The responder of websocket routes: the handshake as a server does it (RFC 6455: the accept
key, subprotocols, ``permessage-deflate``, or a refusal), then the route's handler, run with a
:class:`~aiohttpretty.WebSocket`; and the checks of ``register_websocket``'s options."""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import http
import inspect
import json as _json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType

from . import _seam, _seam_websocket, _wire
from ._options import known_options, route_name, route_times
from ._urls import normalise_method, normalise_url
from ._websocket_records import WebSocketConversation
from ._websocket_server import Handler, WebSocket
from .matchers import build_conditions
from .responses import ResponseSpec, header_pairs
from .routes import Route

if TYPE_CHECKING:
    from ._background import Background
    from ._transport import Channel, Pending
    from .records import Call

__all__ = ["WEBSOCKET", "WEBSOCKET_OPTIONS", "WebSocketResponder", "build_websocket_route"]

#: The protocol a websocket route upgrades to (the ``Upgrade:`` it answers).
WEBSOCKET = "websocket"

#: Every option ``register_websocket`` takes.
WEBSOCKET_OPTIONS = (
    "handler",
    "messages",
    "echo",
    "close",
    "protocols",
    "compress",
    "max_msg_size",
    "autoclose",
    "autoping",
    "receive_timeout",
    "timeout",
    "status",
    "reason",
    "headers",
    "body",
    "method",
    "params",
    "times",
    "match_headers",
    "match",
    "match_params_partial",
    "optional",
    "name",
)

# The close codes a close frame may carry (RFC 6455 7.4, as aiohttp's reader
# accepts them): the defined ones, and 3000-4999.
_CLOSE_CODES = frozenset(int(code) for code in WSCloseCode if code != WSCloseCode.ABNORMAL_CLOSURE)


class _Settings:
    """A websocket route's options, checked."""

    __slots__ = (
        "autoclose",
        "autoping",
        "compress",
        "handler",
        "headers",
        "max_msg_size",
        "protocols",
        "receive_timeout",
        "refusal",
        "timeout",
    )

    def __init__(self, options: dict[str, Any]) -> None:
        handler = options.pop("handler", None)
        messages = options.pop("messages", None)
        echo = options.pop("echo", False)
        close = options.pop("close", None)
        if handler is not None:
            if messages is not None or echo or close is not None:
                raise ValueError(
                    "give a handler, or messages=/echo=/close= for a scripted websocket, not both"
                )
            if not _is_async(handler):
                raise TypeError(
                    f"handler must be an async function taking the websocket (async def handler(ws): ...), "
                    f"got {handler!r}"
                )
            self.handler: Handler = handler
        else:
            self.handler = _scripted(_messages(messages), _flag("echo", echo), _close(close))
        protocols = options.pop("protocols", ())
        if isinstance(protocols, str) or not all(isinstance(p, str) and p for p in protocols):
            raise TypeError(f"protocols must be a list of subprotocol names, got {protocols!r}")
        self.protocols = tuple(protocols)
        self.compress = _flag("compress", options.pop("compress", True))
        self.autoclose = _flag("autoclose", options.pop("autoclose", True))
        self.autoping = _flag("autoping", options.pop("autoping", True))
        size = options.pop("max_msg_size", 4 * 1024 * 1024)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise TypeError(f"max_msg_size must be an int >= 0 (0: no limit), got {size!r}")
        self.max_msg_size = size
        self.receive_timeout = _seconds("receive_timeout", options.pop("receive_timeout", None), none=True)
        self.timeout: float = _seconds("timeout", options.pop("timeout", 10.0), none=False) or 10.0
        status = options.pop("status", None)
        reason = options.pop("reason", None)
        headers = options.pop("headers", None)
        body = options.pop("body", None)
        #: The response refusing every handshake, or ``None``.
        self.refusal: ResponseSpec | None = None
        if status is None:
            if body is not None or reason is not None:
                raise ValueError("body and reason go with status=, the response refusing the handshake")
            self.headers = header_pairs(headers)
        else:
            if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
                raise ValueError(
                    f"status is the status refusing the handshake (200-599, e.g. 403), got {status!r}"
                )
            if body is not None and not isinstance(body, (str, bytes)):
                raise TypeError(f"body of a refusal must be str or bytes, got {type(body).__name__}")
            self.refusal = ResponseSpec(status, _reason(status, reason), headers, body, auto_length=True)
            self.headers = []


def _is_async(handler: Any) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _seconds(name: str, value: Any, *, none: bool) -> float | None:
    if value is None and none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise TypeError(f"{name} must be a number of seconds > 0{' or None' if none else ''}, got {value!r}")
    return float(value)


def _reason(status: int, reason: Any) -> str:
    if reason is not None:
        return str(reason)
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _messages(messages: Any) -> list[str | bytes]:
    """``messages=[...]`` as the text and bytes to send: ``str`` is text,
    ``bytes`` binary, anything else sent as JSON text."""
    if messages is None:
        return []
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError(f"messages must be a list of messages to send, got {type(messages).__name__}")
    result: list[str | bytes] = []
    for number, message in enumerate(messages):
        if isinstance(message, (str, bytes)):
            result.append(message)
            continue
        try:
            result.append(_json.dumps(message))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"messages[{number}] must be str (text), bytes (binary) or JSON-serialisable data, "
                f"got {message!r:.80} ({exc})"
            ) from None
    return result


def _close(close: Any) -> tuple[int, bytes] | None:
    """``close=`` as ``(code, message)``: an int, or a ``(code, message)`` pair."""
    if close is None:
        return None
    code, message = close if isinstance(close, tuple) and len(close) == 2 else (close, b"")
    if (
        isinstance(code, bool)
        or not isinstance(code, int)
        or not (code in _CLOSE_CODES or 3000 <= code <= 4999)
    ):
        raise ValueError(
            f"close must be a close code (1000, 1001, ... or 3000-4999), or (code, message), got {close!r}"
        )
    if isinstance(message, str):
        message = message.encode("utf-8")
    if not isinstance(message, bytes) or len(message) > 123:
        raise ValueError(f"the close message must be str or bytes of at most 123 bytes, got {message!r}")
    return code, message


def _scripted(messages: list[str | bytes], echo: bool, close: tuple[int, bytes] | None) -> Handler:
    """The handler of a route without one: send ``messages``, then close, or
    read until the client closes (sending back what it sends, with ``echo``)."""

    async def scripted(ws: WebSocket) -> None:
        for message in messages:
            if isinstance(message, str):
                await ws.send_str(message)
            else:
                await ws.send_bytes(message)
        if close is not None:
            await ws.close(code=close[0], message=close[1])
            return
        async for msg in ws:
            if not echo:
                continue
            if msg.type is WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is WSMsgType.BINARY:
                await ws.send_bytes(msg.data)

    return scripted


def build_websocket_route(
    uri: Any, options: dict[str, Any], conversations: list[WebSocketConversation], background: Background
) -> Route:
    """The route ``register_websocket(uri, **options)`` registers."""
    options = known_options(options, WEBSOCKET_OPTIONS, strict=True)
    method = normalise_method(options.pop("method", "GET"))
    params = options.pop("params", None)
    partial = _flag("match_params_partial", options.pop("match_params_partial", False))
    optional = _flag("optional", options.pop("optional", False))
    name = route_name(options.pop("name", None))
    url: Any
    if isinstance(uri, re.Pattern):
        if params is not None or partial:
            raise ValueError("params and match_params_partial do not apply to a pattern uri")
        url = uri
    else:
        url = normalise_url(uri, params)
    conditions = build_conditions(options)
    times = route_times(options.pop("times", None))
    responder = WebSocketResponder(_Settings(options), conversations, background)
    return Route(
        method,
        url,
        [],
        conditions=conditions,
        partial_query=partial,
        times=times,
        optional=optional,
        name=name,
        responder=responder,
        upgrade=WEBSOCKET,
    )


class WebSocketResponder:
    """Answers the handshakes of one websocket route and runs its handler."""

    def __init__(
        self, settings: _Settings, conversations: list[WebSocketConversation], background: Background
    ) -> None:
        self._settings = settings
        self._conversations = conversations
        self._background = background

    @property
    def handler(self) -> Handler:
        return self._settings.handler

    def _open(self, call: Call, channel: Channel) -> Pending | None:
        settings = self._settings
        if settings.refusal is not None:
            _send_response(channel, settings.refusal)
            return None
        handshake = _handshake(call, channel, settings)
        if isinstance(handshake, ResponseSpec):
            _send_response(channel, handshake)
            return None
        headers, protocol, compress, notakeover = handshake
        channel.send(_wire.response_head(101, "Switching Protocols", [*headers, *settings.headers]))
        conversation = WebSocketConversation(call, protocol, compress)
        self._conversations.append(conversation)
        ws = WebSocket(
            call,
            conversation,
            channel,
            compress=compress,
            notakeover=notakeover,
            max_msg_size=settings.max_msg_size,
            autoclose=settings.autoclose,
            autoping=settings.autoping,
            receive_timeout=settings.receive_timeout,
            timeout=settings.timeout,
        )
        channel.take_over(ws._feed, ws._connection_lost)
        self._background.run(self._serve(ws), lambda: self._what(call), call, lambda: ws._open)
        return None

    async def _open_later(self, call: Call, channel: Channel) -> None:
        await asyncio.sleep(0)  # aiohttp's task writing the request ends first
        self._open(call, channel)

    #: Answer a handshake: at once, or where aiohttp's task writing the request
    #: must end first, from a task (see ``_seam.ANSWER_AT_ONCE``).
    respond = _open if _seam.ANSWER_AT_ONCE else _open_later

    def _what(self, call: Call) -> str:
        """The handler answering ``call``, for a report."""
        route = call.route.describe() if call.route is not None else str(call.url)
        return f"websocket handler {_name(self._settings.handler)} of {route}"

    async def _serve(self, ws: WebSocket) -> None:
        """Run the handler; then close the websocket as aiohttp's server does
        after its handler returns, or with 1011 when the handler raised."""
        background = self._background
        try:
            await self._settings.handler(ws)
        except asyncio.CancelledError:
            if ws._open:
                background.interrupted(self._what(ws.request), ws.request)
            raise
        except Exception as exc:
            background.failed(self._what(ws.request), ws.request, exc)
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=_error_message(exc))
        else:
            if not ws._closed:
                await ws.close()
        finally:
            ws._abort()
            background.ended()


def _name(handler: Any) -> str:
    name = str(getattr(handler, "__qualname__", None) or type(handler).__qualname__)
    return name.rsplit(".<locals>.", 1)[-1] + "()"


def _error_message(exc: BaseException) -> bytes:
    return f"the mocked handler raised {type(exc).__name__}".encode()[:123]


def _send_response(channel: Channel, spec: ResponseSpec) -> None:
    assert spec.message is not None
    channel.send(spec.message)
    channel.end(spec.message_framed)


def _bad_request(text: str) -> ResponseSpec:
    return ResponseSpec(
        400, "Bad Request", [("Content-Type", "text/plain; charset=utf-8")], text, auto_length=True
    )


# The request headers the handshake reads (the first of each, as aiohttp's server does).
_HANDSHAKE_HEADERS = (
    "connection",
    "sec-websocket-protocol",
    "sec-websocket-version",
    "sec-websocket-key",
    "sec-websocket-extensions",
)


def _handshake(
    call: Call, channel: Channel, settings: _Settings
) -> ResponseSpec | tuple[list[tuple[str, str]], str | None, int, bool]:
    """What aiohttp's server answers to the handshake ``call``: the headers of
    the 101 with the subprotocol and compression agreed on, or a 400."""
    head = channel.request_head
    if head is not None:  # the head as sent: only the headers read here are parsed
        headers = _wire.first_values(head.header_lines, _HANDSHAKE_HEADERS)
    else:
        headers = {name: call.headers[name] for name in _HANDSHAKE_HEADERS if name in call.headers}
    if "upgrade" not in headers.get("connection", "").lower():
        return _bad_request(f"No CONNECTION upgrade hdr: {headers.get('connection')}")
    protocol = None
    if "sec-websocket-protocol" in headers:
        asked = [p.strip() for p in headers["sec-websocket-protocol"].split(",")]
        protocol = next((p for p in asked if p in settings.protocols), None)
    version = headers.get("sec-websocket-version", "")
    if version not in ("13", "8", "7"):
        return _bad_request(f"Unsupported version: {version}")
    key = headers.get("sec-websocket-key")
    try:  # as base64.b64decode(key), which aiohttp's server asks
        if not key or len(binascii.a2b_base64(key.encode("ascii"))) != 16:
            return _bad_request(f"Handshake error: {key!r}")
    except binascii.Error:
        return _bad_request(f"Handshake error: {key!r}")
    accept = binascii.b2a_base64(hashlib.sha1(key.encode() + _seam_websocket.WS_KEY).digest(), newline=False)
    answer = [("Upgrade", "websocket"), ("Connection", "upgrade"), ("Sec-WebSocket-Accept", accept.decode())]
    compress, notakeover = 0, False
    if settings.compress:
        compress, notakeover = _seam_websocket.ws_ext_parse(
            headers.get("sec-websocket-extensions"), isserver=True
        )
        if compress:
            extension = _seam_websocket.ws_ext_gen(
                compress=compress, isserver=True, server_notakeover=notakeover
            )
            answer.append(("Sec-WebSocket-Extensions", extension))
    if protocol:
        answer.append(("Sec-WebSocket-Protocol", protocol))
    return answer, protocol, compress, notakeover

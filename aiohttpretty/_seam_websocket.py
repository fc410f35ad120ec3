"""The seam with aiohttp's websocket code: the private names of aiohttp a
mocked websocket's server side relies on (:data:`PRIVATE_NAMES`, checked by
the same test as :data:`._seam.PRIVATE_NAMES`), and its version checks.  The
second half of :mod:`._seam`, kept apart to keep each module small.

A mocked websocket's server side reads the client's frames with aiohttp's own
``WebSocketReader`` into aiohttp's own queue, and writes its frames with
aiohttp's own ``WebSocketWriter``, the way aiohttp's client sets them up
(``ClientSession._ws_connect``): the same parser and framing on both ends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import http as _http
from aiohttp.streams import EofStream

try:  # aiohttp 3.11 and later
    from aiohttp._websocket.reader import WebSocketDataQueue as _WSQueue
except ImportError:  # pragma: no cover - aiohttp 3.9 and 3.10
    from aiohttp.streams import FlowControlDataQueue as _WSQueue  # type: ignore[assignment]

__all__ = [
    "PRIVATE_NAMES",
    "WS_CLOSED_MESSAGE",
    "WS_CLOSE_READS_TO_CLOSE",
    "WS_CLOSING_MESSAGE",
    "WS_KEY",
    "EofStream",
    "WSMessageTypeError",
    "WSServerProtocol",
    "WebSocketError",
    "ws_ext_gen",
    "ws_ext_parse",
    "ws_reader",
    "ws_writer",
]

AIOHTTP_RELEASE = tuple(int(part) for part in re.findall(r"\d+", aiohttp.__version__)[:3])
#: Whether a websocket server's ``close()`` reads past other messages to the
#: client's close frame (aiohttp 3.10.11 and later); before, a first message
#: that is not a close ends it as an abnormal closure with a TimeoutError.
WS_CLOSE_READS_TO_CLOSE = AIOHTTP_RELEASE >= (3, 10, 11)
# The writer's send_frame(message, opcode, compress) (_send_frame before aiohttp 3.10).
_SEND_FRAME = "send_frame" if hasattr(_http.WebSocketWriter, "send_frame") else "_send_frame"

#: The private names of aiohttp used here, as in :data:`._seam.PRIVATE_NAMES`.
PRIVATE_NAMES: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("aiohttp.http", "WS_KEY", None),
    ("aiohttp.http", "ws_ext_parse", ("extstr", "isserver")),
    ("aiohttp.http", "ws_ext_gen", ("compress", "isserver", "server_notakeover")),
    # WebSocketReader(queue, max_msg_size, compress[, decode_text]) and its feed_data, feed_eof;
    # WebSocketWriter(protocol, transport, *, use_mask, compress, notakeover).
    ("aiohttp.http", "WebSocketReader", None),
    ("aiohttp.http", "WebSocketWriter", None),
    ("aiohttp.http", "WebSocketError", None),
    ("aiohttp.http", "WS_CLOSED_MESSAGE", None),
    ("aiohttp.http", "WS_CLOSING_MESSAGE", None),
    ("aiohttp.streams", "EofStream", None),
    (_WSQueue.__module__, _WSQueue.__name__, None),  # (protocol, limit, *, loop): the queue of messages read
    (_WSQueue.__module__ + "." + _WSQueue.__name__, "_buffer", None),  # its deque of (message, size)
    (
        "aiohttp.http.WebSocketWriter",
        _SEND_FRAME,
        ("self", "message", "opcode", "compress"),
    ),
    ("aiohttp.http.WebSocketWriter", "close", ("self", "code", "message")),
)

WS_KEY: bytes = _http.WS_KEY
ws_ext_parse = _http.ws_ext_parse
ws_ext_gen = _http.ws_ext_gen
WebSocketError = _http.WebSocketError
WS_CLOSED_MESSAGE: aiohttp.WSMessage = _http.WS_CLOSED_MESSAGE
WS_CLOSING_MESSAGE: aiohttp.WSMessage = _http.WS_CLOSING_MESSAGE
#: What ``receive_str`` & co. raise for a message of another type (a
#: :class:`TypeError` before aiohttp 3.11 named it).
WSMessageTypeError: type[TypeError] = getattr(aiohttp, "WSMessageTypeError", TypeError)
# The server queue never pauses: its limit is high enough for any test.
_WS_QUEUE_LIMIT = 2**30


class WSServerProtocol:
    """What aiohttp's websocket queue and writer ask of a protocol object
    (``_reading_paused``, ``pause_reading``/``resume_reading``, ``_paused``,
    ``_drain_helper``), for the server side of a mocked websocket.

    Reading never pauses (the client's messages stay in memory until read);
    writing waits with ``drain`` while the client has paused reading."""

    _paused = True  # the writer then always asks _drain_helper, which knows

    def __init__(self, drain: Callable[[], Awaitable[None]]) -> None:
        self._drain = drain
        self._reading_paused = False

    def pause_reading(self) -> None:
        self._reading_paused = True

    def resume_reading(self, resume_parser: bool = True) -> None:
        self._reading_paused = False

    async def _drain_helper(self) -> None:
        await self._drain()


def ws_reader(
    protocol: WSServerProtocol, max_msg_size: int, compress: bool, loop: asyncio.AbstractEventLoop
) -> tuple[Any, Any, Any]:
    """aiohttp's queue of read messages, the WebSocketReader feeding it, and
    the messages waiting in the queue (a deque of ``(message, size)``)."""
    queue = _WSQueue(protocol, _WS_QUEUE_LIMIT, loop=loop)  # type: ignore[arg-type]
    try:  # aiohttp 3.13 and later take decode_text
        reader = _http.WebSocketReader(queue, max_msg_size, compress=compress, decode_text=True)
    except TypeError:
        reader = _http.WebSocketReader(queue, max_msg_size, compress=compress)  # type: ignore[call-arg]
    return queue, reader, queue._buffer


def ws_writer(
    protocol: WSServerProtocol, transport: asyncio.Transport, compress: int, notakeover: bool
) -> tuple[Any, Callable[[bytes, int, int | None], Awaitable[None]]]:
    """aiohttp's WebSocketWriter for a server (frames not masked), and its
    ``send_frame(message, opcode, compress)``."""
    writer = _http.WebSocketWriter(
        protocol,  # type: ignore[arg-type]
        transport,
        use_mask=False,
        compress=compress,
        notakeover=notakeover,
    )
    return writer, getattr(writer, _SEND_FRAME)

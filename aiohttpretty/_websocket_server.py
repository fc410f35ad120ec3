"""The server side of a mocked websocket: what a websocket route's handler is
given.

:class:`WebSocket` is modelled on :class:`aiohttp.web.WebSocketResponse`
(``send_str``, ``receive``, ``close``, ``async for``, autoping, autoclose,
the close handshake) and speaks real websocket frames: it reads the client's
with aiohttp's own ``WebSocketReader`` and writes its own with aiohttp's own
``WebSocketWriter`` (:mod:`._seam_websocket`), so the client side is aiohttp's,
unchanged.  Every message both ways is recorded in its
:class:`~aiohttpretty.WebSocketConversation`.
"""

from __future__ import annotations

import asyncio
import itertools
import json as _json
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMessage, WSMsgType

from . import _seam_websocket
from ._websocket_records import CLIENT, SERVER, WebSocketConversation, WebSocketMessage

if TYPE_CHECKING:
    from ._transport import Channel
    from .records import Call

__all__ = ["WebSocket"]

# After this many receive() calls on a closed websocket, receive() raises.
_CONNECTION_LOST_THRESHOLD = 5


class _ServerTransport(asyncio.Transport):
    """What the server side's aiohttp writer writes to: the channel."""

    __slots__ = ("_channel", "_loop", "closed")

    def __init__(self, channel: Channel, loop: asyncio.AbstractEventLoop) -> None:
        self._extra: dict[str, Any] = {}  # what asyncio.BaseTransport.__init__ sets
        self._channel = channel
        self._loop = loop
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.closed:
            self._channel.send(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        """The server closes the connection.  As over TCP, the client learns
        of it a moment after the bytes sent before: what they woke runs first."""
        if not self.closed:
            self.closed = True
            self._loop.call_soon(self._channel.fail)

    def abort(self) -> None:
        self.close()


class WebSocket:
    """The server side of one mocked websocket, given to a handler::

        async def handler(ws):
            async for msg in ws:
                await ws.send_str(msg.data.upper())

    It behaves as :class:`aiohttp.web.WebSocketResponse` after ``prepare()``:
    ``receive()`` answers pings (``autoping``) and a close from the client
    (``autoclose``); ``close()`` sends a close frame and waits (``timeout``
    seconds) for the client's.  ``request`` is the handshake as a recorded
    :class:`~aiohttpretty.Call`.
    """

    # The state a websocket starts with (set on the instance when it changes).
    _reader_failed = False
    _closed = False  # a close frame was sent (or the connection is gone)
    _closing = False  # a close frame was received
    _close_code: int | None = None
    _exception: BaseException | None = None
    _waiting = False
    _close_wait: asyncio.Future[None] | None = None
    _connection_lost_count = 0

    def __init__(
        self,
        request: Call,
        conversation: WebSocketConversation,
        channel: Channel,
        *,
        compress: int = 0,
        notakeover: bool = False,
        max_msg_size: int = 4 * 1024 * 1024,
        autoclose: bool = True,
        autoping: bool = True,
        receive_timeout: float | None = None,
        timeout: float = 10.0,
    ) -> None:
        #: The handshake request, as recorded.
        self.request = request
        #: The messages of this websocket so far, both ways.
        self.conversation = conversation
        self._loop = loop = asyncio.get_running_loop()
        self._channel = channel
        self._transport = _ServerTransport(channel, loop)
        protocol = _seam_websocket.WSServerProtocol(channel.drain)
        self._queue, self._reader, self._queued = _seam_websocket.ws_reader(
            protocol, max_msg_size, bool(compress), loop
        )
        self._writer, self._send = _seam_websocket.ws_writer(protocol, self._transport, compress, notakeover)
        self._compress = compress
        self._autoclose = autoclose
        self._autoping = autoping
        self._receive_timeout = receive_timeout
        self._timeout = timeout

    # The channel's side: bytes from the client, and its end.
    def _feed(self, data: bytes) -> None:
        if self._reader_failed or self._transport.closed:
            return
        queued = self._queued
        before = len(queued)
        failed, _ = self._reader.feed_data(data)
        after = len(queued)
        if after > before:
            record = self.conversation.messages.append
            arrived = (queued[-1],) if after == before + 1 else itertools.islice(queued, before, None)
            for message, _size in arrived:
                payload = message.data
                if payload.__class__ is bytearray or payload.__class__ is memoryview:
                    payload = bytes(payload)
                record(_new_message((CLIENT, message.type, payload, message.extra or None)))
        if failed:
            self._reader_failed = True

    def _connection_lost(self) -> None:
        # As over TCP, the server learns of the end a moment after the bytes
        # before it: what they woke runs first.  Unless nothing can learn of
        # it any more: the handler ended (the connection is closed on this
        # side) and sent its close frame (receive() no longer reads).
        if not (self._closed and self.conversation.closed):
            self._loop.call_soon(self._lost)

    def _lost(self) -> None:
        self._transport.closed = True
        self.conversation.closed = True
        self._reader.feed_eof()

    def _abort(self) -> None:
        """Close the connection now (after the handler ended)."""
        self._transport.close()
        self.conversation.closed = True

    @property
    def _open(self) -> bool:
        return not self._transport.closed

    # What WebSocketResponse has.
    @property
    def closed(self) -> bool:
        """Whether the websocket is closed (a close frame was sent, or the connection is gone)."""
        return self._closed

    @property
    def close_code(self) -> int | None:
        """The close code, once known."""
        return self._close_code

    @property
    def ws_protocol(self) -> str | None:
        """The subprotocol agreed on in the handshake, or ``None``."""
        return self.conversation.protocol

    @property
    def compress(self) -> int:
        """The ``permessage-deflate`` window bits agreed on (0: no compression)."""
        return self._compress

    def exception(self) -> BaseException | None:
        """The error that broke the websocket, if any."""
        return self._exception

    def _record(self, kind: WSMsgType, data: Any, extra: str | None = None) -> None:
        self.conversation.messages.append(_new_message((SERVER, kind, data, extra)))

    async def send_frame(self, message: bytes, opcode: WSMsgType, compress: int | None = None) -> None:
        """Send one frame of type ``opcode``."""
        await self._send(message, opcode, compress)
        data: Any = message.decode("utf-8") if opcode is WSMsgType.TEXT else bytes(message)
        self._record(WSMsgType(opcode), data)

    async def send_str(self, data: str, compress: int | None = None) -> None:
        """Send a text message."""
        if not isinstance(data, str):
            raise TypeError(f"data argument must be str ({type(data)!r})")
        await self._send(data.encode("utf-8"), WSMsgType.TEXT, compress)
        self._record(WSMsgType.TEXT, data)

    async def send_bytes(self, data: bytes | bytearray | memoryview, compress: int | None = None) -> None:
        """Send a binary message."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be byte-ish ({type(data)!r})")
        data = bytes(data)
        await self._send(data, WSMsgType.BINARY, compress)
        self._record(WSMsgType.BINARY, data)

    async def send_json(
        self, data: Any, compress: int | None = None, *, dumps: Callable[[Any], str] = _json.dumps
    ) -> None:
        """Send ``data`` JSON-encoded, as a text message."""
        await self.send_str(dumps(data), compress=compress)

    async def send_fragments(self, fragments: Sequence[str] | Sequence[bytes]) -> None:
        """Send one message in several frames (a text message for ``str``
        fragments, binary for ``bytes``), which the client joins."""
        if not fragments or not all(isinstance(f, type(fragments[0])) for f in fragments):
            raise TypeError("fragments must be a non-empty list of str, or of bytes")
        text = isinstance(fragments[0], str)
        pieces = [f.encode("utf-8") if isinstance(f, str) else bytes(f) for f in fragments]
        if self._transport.closed:
            raise ConnectionResetError("Cannot write to closing transport")
        for number, piece in enumerate(pieces):
            opcode = (WSMsgType.TEXT if text else WSMsgType.BINARY) if number == 0 else WSMsgType.CONTINUATION
            self._transport.write(_frame_head(opcode, len(piece), fin=number == len(pieces) - 1) + piece)
        whole = b"".join(pieces)
        self._record(WSMsgType.TEXT if text else WSMsgType.BINARY, whole.decode("utf-8") if text else whole)
        await self._channel.drain()

    async def ping(self, message: bytes = b"") -> None:
        """Send a ping; the client answers with a pong (its ``autoping``)."""
        await self.send_frame(message, WSMsgType.PING)

    async def pong(self, message: bytes = b"") -> None:
        """Send an unsolicited pong."""
        await self.send_frame(message, WSMsgType.PONG)

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True) -> bool:
        """Send a close frame and wait for the client's (``timeout`` seconds),
        then close the connection.  ``False`` when it was closed already."""
        if self._closed:
            return False
        self._closed = True
        if not await self._unless_broken(self._writer.close(code, message)):
            return True
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        self._record(WSMsgType.CLOSE, int(code), text or None)
        if self._waiting:
            # Another task waits in receive(): let it see CLOSING first.
            self._close_wait = self._loop.create_future()
            self._queue.feed_data(_seam_websocket.WS_CLOSING_MESSAGE, 0)
            await self._close_wait
        if self._closing:
            self._transport.close()
            return True
        await self._unless_broken(self._read_close())
        return True

    async def _unless_broken(self, step: Awaitable[None]) -> bool:
        """Await ``step`` of the close handshake; whether it went well.  If it
        did not, or was cancelled, the websocket is closed abnormally (with
        the error as its ``exception()``)."""
        try:
            await step
        except asyncio.CancelledError:
            self._close_with(WSCloseCode.ABNORMAL_CLOSURE)
            raise
        except Exception as exc:
            self._exception = exc
            self._close_with(WSCloseCode.ABNORMAL_CLOSURE)
            return False
        return True

    async def _read_close(self) -> None:
        """Read up to the client's close frame (``timeout`` seconds at most)."""
        async with asyncio.timeout(self._timeout):
            while True:
                msg = await self._queue.read()
                if msg.type is WSMsgType.CLOSE:
                    self._close_with(msg.data)
                    return
                if not _seam_websocket.WS_CLOSE_READS_TO_CLOSE:
                    self._exception = TimeoutError()
                    self._close_with(WSCloseCode.ABNORMAL_CLOSURE)
                    return

    def _close_with(self, code: int) -> None:
        self._close_code = code
        self._transport.close()

    async def receive(self, timeout: float | None = None) -> WSMessage:
        """The next message from the client; pings are answered and a close
        from the client answered (``autoping``, ``autoclose``) as by aiohttp's
        server."""
        while True:
            if self._waiting:
                raise RuntimeError("Concurrent call to receive() is not allowed")
            if self._closed:
                self._connection_lost_count += 1
                if self._connection_lost_count >= _CONNECTION_LOST_THRESHOLD:
                    raise RuntimeError("WebSocket connection is closed.")
                return _seam_websocket.WS_CLOSED_MESSAGE
            if self._closing:
                return _seam_websocket.WS_CLOSING_MESSAGE
            try:
                self._waiting = True
                try:
                    wait = timeout or self._receive_timeout
                    if wait:
                        async with asyncio.timeout(wait):
                            msg = await self._queue.read()
                    else:
                        msg = await self._queue.read()
                finally:
                    self._waiting = False
                    if self._close_wait is not None and not self._close_wait.done():
                        self._close_wait.set_result(None)
            except TimeoutError:
                raise
            except _seam_websocket.EofStream:
                self._close_code = WSCloseCode.OK
                await self.close()
                return WSMessage(WSMsgType.CLOSED, None, None)
            except _seam_websocket.WebSocketError as exc:
                self._close_code = exc.code
                await self.close(code=exc.code)
                return WSMessage(WSMsgType.ERROR, exc, None)
            except Exception as exc:
                self._exception = exc
                self._closing = True
                self._close_code = WSCloseCode.ABNORMAL_CLOSURE
                await self.close()
                return WSMessage(WSMsgType.ERROR, exc, None)
            if msg.type is WSMsgType.CLOSE:
                self._closing = True
                self._close_code = msg.data
                if not self._closed and self._autoclose:
                    await self.close(drain=False)
            elif msg.type is WSMsgType.CLOSING:
                self._closing = True
                self._close_code = WSCloseCode.OK
            elif msg.type is WSMsgType.PING and self._autoping:
                await self.pong(msg.data)
                continue
            elif msg.type is WSMsgType.PONG and self._autoping:
                continue
            return msg  # type: ignore[no-any-return]

    async def receive_str(self, *, timeout: float | None = None) -> str:
        """The next message, which must be text."""
        return str(await self._receive_of(WSMsgType.TEXT, timeout))

    async def receive_bytes(self, *, timeout: float | None = None) -> bytes:
        """The next message, which must be binary."""
        return bytes(await self._receive_of(WSMsgType.BINARY, timeout))

    async def _receive_of(self, kind: WSMsgType, timeout: float | None) -> Any:
        """The data of the next message, which must be of type ``kind``."""
        msg = await self.receive(timeout)
        if msg.type is not kind:
            raise _seam_websocket.WSMessageTypeError(
                f"Received message {msg.type}:{msg.data!r} is not WSMsgType.{kind.name}"
            )
        return msg.data

    async def receive_json(
        self, *, loads: Callable[[str], Any] = _json.loads, timeout: float | None = None
    ) -> Any:
        """The next message, text decoded as JSON."""
        return loads(await self.receive_str(timeout=timeout))

    def __aiter__(self) -> AsyncIterator[WSMessage]:
        return self

    async def __anext__(self) -> WSMessage:
        msg = await self.receive()
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            raise StopAsyncIteration
        return msg

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<WebSocket {self.request.url} {state}>"


def _new_message(fields: tuple[str, WSMsgType, Any, str | None]) -> WebSocketMessage:
    """A :class:`WebSocketMessage`, made without the keyword handling of its ``__new__``."""
    return tuple.__new__(WebSocketMessage, fields)


def _frame_head(opcode: int, length: int, *, fin: bool) -> bytes:
    """The head of an unmasked frame (RFC 6455, 5.2)."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return struct.pack("!BB", first, length)
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


#: What a handler is: an async function of the server-side websocket.
Handler = Callable[[WebSocket], Awaitable[None]]

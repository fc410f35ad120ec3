"""The responders of cassettes: :class:`Replay` writes a recorded response's
bytes into the channel, as the server sent them (``Content-Encoding`` bodies
as they came off the wire, chunked framing when the server chunked);
:class:`Record` sends the request to the real server on a connection of its
own (opened by :mod:`._upstream` as aiohttp would open it), passes the
response's bytes on to the client as they arrive, and hands the exchange
(read with :class:`._wire.ResponseReader`) to the cassette.

They speak to :mod:`._transport` only through the Channel: ``send``,
``drain``, ``end`` and ``fail``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from . import _seam, _wire
from ._upstream import cannot_connect, open_upstream

if TYPE_CHECKING:
    from ._transport import Channel, Pending
    from .records import Call

__all__ = ["Record", "Replay", "response_bytes"]

# How much of a response is read from the real server at a time.
_READ_SIZE = 65536


def response_bytes(
    method: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, chunked: bool
) -> tuple[bytes, bool]:
    """A recorded response as a server writes it, and whether the client can
    tell where it ends (the connection then carries the next request)."""
    framing = _wire.Framing.of(headers)
    head = _wire.response_head(status, reason, headers)
    if _wire.has_no_body(method, status):
        return head, status >= 200 and not framing.closes
    if chunked:
        data = head + (_wire.chunk(body) if body else b"") + _wire.LAST_CHUNK
    else:
        data = head + body
    return data, framing.ends_cleanly(len(body), False)


class Replay:
    """Answers with recorded response bytes."""

    __slots__ = ("_data", "_keep_alive")

    def __init__(self, data: bytes, keep_alive: bool) -> None:
        self._data = data
        self._keep_alive = keep_alive

    def respond(self, call: Call, channel: Channel) -> Pending | None:
        if _seam.ANSWER_AT_ONCE:
            channel.send(self._data)
            channel.end(self._keep_alive)
            return None
        return self._later(channel)

    async def _later(self, channel: Channel) -> None:
        await asyncio.sleep(0)  # the task writing the request ends first
        channel.send(self._data)
        channel.end(self._keep_alive)


#: What a recording hands the cassette: the call, the response head, its body
#: as sent (not decompressed, without chunk framing) and whether it was chunked.
Recorded = Callable[["Call", _wire.ResponseHead, bytes, bool], None]


class Record:
    """Sends the request to the real server and records the exchange."""

    def __init__(self, recorded: Recorded) -> None:
        self._recorded = recorded

    def respond(self, call: Call, channel: Channel) -> Pending | None:
        return self._forward(call, channel)

    async def _forward(self, call: Call, channel: Channel) -> None:
        try:
            if not _seam.ANSWER_AT_ONCE:
                await asyncio.sleep(0)
            keep_alive = await self._exchange(call, channel)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            channel.fail(exc)
        else:
            channel.end(keep_alive)

    async def _exchange(self, call: Call, channel: Channel) -> bool:
        url = call.url
        head = channel.request_head
        assert head is not None and url.host is not None
        try:
            reader, writer = await open_upstream(url, channel.upstream)
        except OSError as exc:
            raise cannot_connect(url, channel.upstream, exc, "recording") from exc
        try:
            writer.write(_request_bytes(head, call.body))
            await writer.drain()
            response = _wire.ResponseReader(call.method)
            while True:
                data = await reader.read(_READ_SIZE)
                if not data:
                    if not response.closed():
                        raise ConnectionResetError(
                            f"{url.origin()} closed the connection before the whole response to "
                            f"{call.method} {url} arrived"
                        )
                    break
                complete = response.feed(data)
                if response.head is not None:
                    await channel.drain()
                    channel.send(data)
                if complete:
                    break
        finally:
            writer.close()
        assert response.head is not None
        self._recorded(call, response.head, response.body, response.chunked)
        framing = _wire.Framing.of(response.head.headers)
        if _wire.has_no_body(call.method, response.head.status):
            return not framing.closes
        return framing.chunked or (framing.content_length is not None and not framing.closes)


def _request_bytes(head: _wire.RequestHead, body: bytes) -> bytes:
    line = f"{head.method} {head.target} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
    if head.chunked:
        body = (_wire.chunk(body) if body else b"") + _wire.LAST_CHUNK
    return line + head.header_lines + b"\r\n" + body

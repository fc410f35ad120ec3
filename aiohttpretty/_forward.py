"""The passthrough responder: a request the mock decided to let through
(``passthrough=True`` on a route, a passthrough pattern or function on the URL,
``passthrough_unmatched=True``) is sent to the real host over a connection of
its own, and the response's bytes are relayed unchanged to aiohttp, whose
parser reads them as it would read the server's."""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any

import aiohttp

from .records import SentResponse

if TYPE_CHECKING:
    from ._transport import Channel
    from .records import Call

__all__ = ["forward", "request_bytes", "ssl_context"]

_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "content-length")
)


async def forward(call: Call, channel: Channel, why: str) -> None:
    """Send ``call`` to its host and relay the response into ``channel``;
    the connection ends with the response (``Connection: close``)."""
    url = call.url
    secure = url.scheme in ("https", "wss")
    host = url.raw_host or ""
    try:
        reader, writer = await asyncio.open_connection(
            host,
            url.port,
            ssl=ssl_context(call.kwargs.get("ssl", True)) if secure else None,
            server_hostname=host if secure else None,
        )
    except OSError as exc:
        channel.fail(
            aiohttp.ClientOSError(exc.errno, f"Cannot connect to host {url.origin()} ({why}): {exc}")
        )
        return
    try:
        writer.write(request_bytes(call))
        await writer.drain()
        received = bytearray()
        while piece := await reader.read(2**16):
            if call.response is None:
                received += piece
                end = received.find(b"\r\n\r\n")
                if end >= 0:
                    call.response = SentResponse(bytes(received[: end + 4]), None)
            await channel.drain()
            channel.send(piece)
    except OSError as exc:
        channel.fail(aiohttp.ClientOSError(exc.errno, f"{url.origin()} failed ({why}): {exc}"))
        return
    finally:
        writer.close()
    channel.fail()  # the server closed the connection after its response


def request_bytes(call: Call) -> bytes:
    """``call`` as it goes to the real host: its head without hop-by-hop
    headers, a ``Content-Length`` for its body, ``Connection: close``."""
    lines = [f"{call.method} {call.url.raw_path_qs or '/'} HTTP/1.1"]
    lines.extend(f"{n}: {v}" for n, v in call.headers.items() if n.lower() not in _HOP_BY_HOP)
    if call.body or "Content-Length" in call.headers or "Transfer-Encoding" in call.headers:
        lines.append(f"Content-Length: {len(call.body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + call.body


def ssl_context(option: Any) -> ssl.SSLContext:
    """The TLS context for a request's ``ssl=`` option (verified unless it is
    ``False``; an :class:`ssl.SSLContext` as given)."""
    if isinstance(option, ssl.SSLContext):
        return option
    context = ssl.create_default_context()
    if option is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context

"""The passthrough responder: a request the mock decided to let through
(``passthrough=True`` on a route, a passthrough pattern or function on the URL,
``passthrough_unmatched=True``) is sent to the real host over a connection of
its own (opened by :mod:`._upstream` as aiohttp would open it: the proxy, the
TLS settings), and the response's bytes are relayed unchanged to aiohttp,
whose parser reads them as it would read the server's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp

from ._upstream import cannot_connect, open_upstream
from .records import SentResponse

if TYPE_CHECKING:
    from ._transport import Channel
    from .records import Call

__all__ = ["forward", "request_bytes"]

_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "content-length")
)


async def forward(call: Call, channel: Channel, why: str) -> None:
    """Send ``call`` to its host (through the request's proxy, with the TLS
    settings aiohttp would use: :mod:`._upstream`) and relay the response into
    ``channel``; the connection ends with the response (``Connection: close``)."""
    url = call.url
    upstream = channel.upstream
    try:
        reader, writer = await open_upstream(url, upstream)
    except OSError as exc:
        channel.fail(cannot_connect(url, upstream, exc, why))
        return
    except aiohttp.ClientError as exc:  # a certificate whose fingerprint is not the expected one
        channel.fail(exc)
        return
    try:
        plain_proxy = upstream.proxy is not None and url.scheme not in ("https", "wss")
        writer.write(request_bytes(call, absolute=plain_proxy))
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


def request_bytes(call: Call, absolute: bool = False) -> bytes:
    """``call`` as it goes to the real host: its head without hop-by-hop
    headers, a ``Content-Length`` for its body, ``Connection: close``;
    ``absolute``: the target in absolute form (for an HTTP proxy)."""
    target = str(call.url.with_fragment(None)) if absolute else call.url.raw_path_qs or "/"
    lines = [f"{call.method} {target} HTTP/1.1"]
    lines.extend(f"{n}: {v}" for n, v in call.headers.items() if n.lower() not in _HOP_BY_HOP)
    if call.body or "Content-Length" in call.headers or "Transfer-Encoding" in call.headers:
        lines.append(f"Content-Length: {len(call.body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + call.body

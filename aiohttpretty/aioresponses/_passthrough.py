"""What reaches the network: the ``passthrough`` URLs (passed on at the
session) and, with ``passthrough_unmatched=True``, every request no route
matches, forwarded here: the request as aiohttp wrote it goes over a
connection of its own (as the core's passthrough, :mod:`aiohttpretty._forward`,
sends it), and the response, read whole, comes back through aiohttp's parser
like any other."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from aiohttp import hdrs
from yarl import URL

from .._forward import request_bytes
from .._upstream import Upstream, open_upstream
from ..records import Call
from ._exchange import Deliver

__all__ = ["forward_or_fail", "passes_through", "passthrough_hosts"]

_EXPLICIT_PORT = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)")
_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect")
)


def passthrough_hosts(prefixes: list[str]) -> list[str]:
    """The hosts (``host`` or ``host:port``) the mock lets through for the
    passthrough URLs."""
    hosts = []
    for prefix in prefixes:
        url = URL(prefix)
        if not url.host:
            raise ValueError(
                f"passthrough takes URLs with a host, such as 'http://127.0.0.1:8080', got {prefix!r}"
            )
        explicit = _EXPLICIT_PORT.match(prefix)
        hosts.append(f"{url.host.lower()}:{explicit.group(1)}" if explicit else url.host.lower())
    return hosts


def passes_through(url: URL, prefixes: list[str], hosts: list[str]) -> bool:
    """Whether a session call for ``url`` goes to the network: it starts with
    one of the passthrough URLs, or is for one of their hosts."""
    if not prefixes:
        return False
    text = str(url)
    if any(text.startswith(prefix) for prefix in prefixes):
        return True
    host = (url.host or "").lower()
    return host in hosts or f"{host}:{url.port}" in hosts


async def forward_or_fail(call: Call, direct: bool) -> dict[str, Any]:
    """The network's response to ``call``, as a reply for the mock; a failure
    is raised as aiohttp's error (carried up to the session call unless the
    request was ``direct``: made without it)."""
    try:
        return await _forward(call)
    except asyncio.CancelledError:
        raise
    except OSError as exc:
        failure: aiohttp.ClientError = aiohttp.ClientOSError(
            exc.errno, f"Cannot connect to host {call.url.origin()} (passthrough_unmatched): {exc}"
        )
    except Exception as exc:
        failure = aiohttp.ClientConnectionError(f"passthrough_unmatched: {call.url.origin()} failed: {exc!r}")
    if direct:
        raise failure
    raise Deliver(failure)


async def _forward(call: Call) -> dict[str, Any]:
    # Straight to the host, with the TLS settings of the request's ssl= (the
    # session call is all this shim sees; not the connector's, nor a proxy).
    reader, writer = await open_upstream(call.url, Upstream(tls=call.kwargs.get("ssl", True)), limit=2**20)
    try:
        writer.write(request_bytes(call))
        await writer.drain()
        return await _read_response(reader, call.method)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:  # already reset by the server: closed all the same
            pass


async def _read_response(reader: asyncio.StreamReader, method: str) -> dict[str, Any]:
    while True:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *header_lines = head[:-4].split("\r\n")
        _, status_text, *reason = status_line.split(" ", 2)
        status = int(status_text)
        if status == 101:
            raise ValueError("a protocol upgrade (101 Switching Protocols) cannot be passed through")
        if not 100 <= status < 200:
            break  # else an interim response (100 Continue, 103 Early Hints): the final one follows
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines if ":" in line]
    names = {name.lower(): value for name, value in headers}
    if method == hdrs.METH_HEAD or status in (204, 304) or status < 200:
        kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
        return {"status": status, "reason": reason[0] if reason else "", "headers": kept, "body": b""}
    if "chunked" in names.get("transfer-encoding", "").lower():
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        body = b"".join(parts)
    elif "content-length" in names:
        body = await reader.readexactly(int(names["content-length"]))
    else:
        body = await reader.read()
    kept = [(name, value) for name, value in headers if name.lower() not in (*_HOP_BY_HOP, "content-length")]
    return {
        "status": status,
        "reason": reason[0] if reason else "",
        "headers": kept,
        "body": body,
        "auto_length": True,
    }

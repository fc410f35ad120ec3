"""The connection to the real server for a request the mock passes through or
records (:mod:`._forward`, :mod:`._replay`), opened as aiohttp would open it
(:class:`Upstream`, noted when aiohttp asked the connector for the request's
connection):

* TLS with the ``ssl=`` that applies to the request: its own, else the
  connector's (``TCPConnector(ssl=False)``, an :class:`ssl.SSLContext`, an
  :class:`aiohttp.Fingerprint`), and its ``server_hostname=``;
* through the HTTP proxy of ``proxy=`` (or ``trust_env``): a plain-HTTP
  request goes to the proxy as aiohttp wrote it (absolute form, with the
  ``Proxy-Authorization`` of ``proxy_auth=``), an HTTPS one through a
  ``CONNECT`` tunnel (with ``proxy_auth=`` and ``proxy_headers=``), TLS to
  the host inside it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import hdrs
from yarl import URL

__all__ = ["DIRECT", "Upstream", "cannot_connect", "open_upstream"]

_SECURE = ("https", "wss")


@dataclass(frozen=True)
class Upstream:
    """How aiohttp would reach the server of a request."""

    #: The ``ssl=`` that applies (the request's, else the connector's).
    tls: Any = True
    #: The proxy (``proxy=``), its credentials and the headers of its ``CONNECT``.
    proxy: URL | None = None
    proxy_auth: aiohttp.BasicAuth | None = None
    proxy_headers: Mapping[str, str] | None = None
    #: The name TLS checks the certificate against (``server_hostname=``), else the URL's host.
    server_hostname: str | None = None


#: A connection straight to the host, verified TLS.
DIRECT = Upstream()


async def open_upstream(
    url: URL, upstream: Upstream, limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the server of ``url`` (the proxy, for plain HTTP through
    one), TLS set up for ``https``/``wss``.  A failure is an :class:`OSError`
    (an :class:`ssl.SSLError`, a refused ``CONNECT``) or aiohttp's
    :class:`~aiohttp.ServerFingerprintMismatch`."""
    secure = url.scheme in _SECURE
    host = url.raw_host or ""
    context = _ssl_context(upstream.tls) if secure else None
    hostname = (upstream.server_hostname or host) if secure else None
    proxy = upstream.proxy
    if proxy is None:
        reader, writer = await asyncio.open_connection(
            host, url.port, ssl=context, server_hostname=hostname, limit=limit
        )
    else:
        proxy_tls = ssl.create_default_context() if proxy.scheme == "https" else None
        reader, writer = await asyncio.open_connection(proxy.raw_host, proxy.port, ssl=proxy_tls, limit=limit)
        if secure:
            try:
                await _tunnel(reader, writer, url, upstream)
                assert context is not None
                await writer.start_tls(context, server_hostname=hostname)
            except BaseException:
                writer.close()
                raise
    if secure and isinstance(upstream.tls, aiohttp.Fingerprint):
        try:
            upstream.tls.check(writer.transport)  # type: ignore[arg-type]
        except BaseException:
            writer.close()
            raise
    return reader, writer


def cannot_connect(url: URL, upstream: Upstream, exc: OSError, why: str) -> aiohttp.ClientOSError:
    """The error for the client when :func:`open_upstream` failed with ``exc``."""
    via = "" if upstream.proxy is None else f" through the proxy {upstream.proxy.with_user(None)}"
    return aiohttp.ClientOSError(exc.errno, f"Cannot connect to host {url.origin()}{via} ({why}): {exc}")


async def _tunnel(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: URL, upstream: Upstream
) -> None:
    """Ask the proxy for a tunnel to ``url``'s host, as aiohttp's connector does."""
    host = url.raw_host or ""
    authority = f"[{host}]:{url.port}" if ":" in host else f"{host}:{url.port}"
    headers = {hdrs.HOST: authority, **(upstream.proxy_headers or {})}
    auth = upstream.proxy_auth
    if auth is None and upstream.proxy is not None and upstream.proxy.user:
        auth = aiohttp.BasicAuth.from_url(upstream.proxy)
    if auth is not None and not any(name.lower() == "proxy-authorization" for name in headers):
        headers[hdrs.PROXY_AUTHORIZATION] = auth.encode()
    lines = [f"CONNECT {authority} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        raise ConnectionResetError(f"the proxy closed the connection after CONNECT {authority}") from exc
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        raise ConnectionRefusedError(f"the proxy answered CONNECT {authority} with {status_line!r}")


def _ssl_context(option: Any) -> ssl.SSLContext:
    """The TLS context for an ``ssl=`` option, as aiohttp picks it: an
    :class:`ssl.SSLContext` as given; ``True`` verified; ``False`` (or a
    fingerprint, checked once connected) not verified."""
    if isinstance(option, ssl.SSLContext):
        return option
    context = ssl.create_default_context()
    if option is not True and option is not None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(("http/1.1",))
    return context

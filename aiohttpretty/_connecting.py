"""What a connector does while it connects, done for a mocked connection
without a socket or a resolver (:func:`connect`, called by the seam's
``_create_connection``): the trace signals of resolving the host name, and
the ``Proxy-Authorization`` header an HTTP proxy receives.

Besides aiohttp's public API, this relies on the trace objects aiohttp hands
to ``_create_connection``: their methods are in :data:`PRIVATE_NAMES`, part
of :data:`._seam.PRIVATE_NAMES` (checked by a test against the installed
aiohttp).  The seam looks up the DNS cache's time to live itself.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import hdrs

if TYPE_CHECKING:
    from ._hooks import Interceptor

__all__ = ["PRIVATE_NAMES", "as_a_proxy_receives", "connect", "send_dns_signals"]

#: The private names of aiohttp used here, as in :data:`._seam.PRIVATE_NAMES`.
PRIVATE_NAMES: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("aiohttp.tracing.Trace", "send_dns_cache_hit", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_cache_miss", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_resolvehost_start", ("self", "host")),
    ("aiohttp.tracing.Trace", "send_dns_resolvehost_end", ("self", "host")),
)


async def connect(
    connector: aiohttp.BaseConnector,
    req: aiohttp.ClientRequest,
    traces: Any,
    interceptor: Interceptor,
    closes: bool,
    ttl: float | None,
) -> asyncio.BaseProtocol:
    """A mocked connection for ``req`` from ``interceptor``, made as
    ``connector`` would make one: a :class:`aiohttp.TCPConnector` resolving
    the host (not through a proxy) sends the trace signals of it, and a
    request through an HTTP proxy gets its ``Proxy-Authorization``.
    ``closes``: the connection closes after its response (aiohttp before 3.11
    did so for proxies); ``ttl``: how long the connector caches a resolved
    name (``ttl_dns_cache``)."""
    if traces and req.proxy is None and isinstance(connector, aiohttp.TCPConnector):
        await send_dns_signals(connector, req.url.raw_host, req.url.port, traces, ttl)
    as_a_proxy_receives(req)
    protocol = interceptor.connect(connector, req)
    if closes:
        protocol.force_close()  # type: ignore[attr-defined]
    return protocol


def as_a_proxy_receives(req: aiohttp.ClientRequest) -> None:
    """Give ``req`` the ``Proxy-Authorization`` header that aiohttp adds when it
    connects to an HTTP proxy for a plain-HTTP URL (``proxy_auth=``): the proxy
    receives it with the request.  (For an HTTPS URL it goes on the ``CONNECT``
    the mock has no part of.)"""
    if req.proxy is not None and req.proxy_auth is not None and not req.is_ssl():
        req.headers[hdrs.PROXY_AUTHORIZATION] = req.proxy_auth.encode()


async def send_dns_signals(
    connector: aiohttp.TCPConnector, host: str | None, port: int | None, traces: Any, ttl: float | None
) -> None:
    """Send the trace signals of resolving ``host`` as ``connector`` would,
    without resolving it: none for an IP address; the first time (and once
    ``ttl``, the connector's ``ttl_dns_cache``, passed) ``on_dns_cache_miss``,
    ``on_dns_resolvehost_start`` and ``on_dns_resolvehost_end``, then
    ``on_dns_cache_hit``; with ``use_dns_cache=False`` the two resolvehost
    signals every time.  Entries cleared by ``clear_dns_cache()`` are not
    seen here: a mocked host stays "cached" until its time runs out."""
    if not host or _is_ip_address(host):
        return
    if host.endswith(".."):
        host = host.rstrip(".") + "."  # as aiohttp resolves it
    if connector.use_dns_cache:
        resolved: dict[tuple[str, int | None], float] = connector.__dict__.setdefault(
            "_aiohttpretty_resolved", {}
        )
        now = time.monotonic()
        seen = resolved.get((host, port))
        if seen is not None and (ttl is None or now - seen < ttl):
            for trace in traces:
                await trace.send_dns_cache_hit(host)
            return
        resolved[(host, port)] = now
        for trace in traces:
            await trace.send_dns_cache_miss(host)
    for trace in traces:
        await trace.send_dns_resolvehost_start(host)
    for trace in traces:
        await trace.send_dns_resolvehost_end(host)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

"""What a connector does while it connects, done for a mocked connection
without a socket or a resolver: the trace signals of resolving the host name,
and the ``Proxy-Authorization`` header an HTTP proxy receives.

Only aiohttp's public API is used here, and the trace objects aiohttp hands
to ``_create_connection`` (their ``send_dns_*`` methods are listed in
:data:`._seam.PRIVATE_NAMES`, with the rest of what :mod:`._seam` relies on).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import aiohttp
from aiohttp import hdrs

__all__ = ["as_a_proxy_receives", "send_dns_signals"]


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

"""A real aiohttp server on 127.0.0.1, for the tests of passthrough and of
aiohttp being restored (what a request that is not mocked reaches), and for
comparing the mock with what a server sends (:func:`start_server`)."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver
from aiohttp.test_utils import TestServer


async def start_real_server(text: str = "real") -> TestServer:
    """Start a server answering every GET with ``text`` followed by the path
    (``"real /hello"``); close it with ``await server.close()``."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=f"{text} {request.path}")

    app = web.Application()
    app.router.add_get("/{path:.*}", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


class WebSocketServer:
    """A running ``aiohttp.web`` server on 127.0.0.1, set up as ``web.run_app``
    sets one up (``handler_cancellation=False``: a handler is not cancelled
    when its client goes)."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self._runner = runner
        self.port = port

    def make_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def close(self) -> None:
        await self._runner.cleanup()


async def start_websocket_server(
    handler: Callable[[web.WebSocketResponse], Awaitable[None]],
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    **options: Any,
) -> WebSocketServer:
    """Start a server whose every path is a websocket: ``handler(ws)`` runs
    with a prepared :class:`aiohttp.web.WebSocketResponse` made with
    ``options``; with ``status``, every handshake is refused with that
    response instead."""

    async def answer(request: web.Request) -> web.StreamResponse:
        if status is not None:
            return web.Response(status=status, headers=headers, text=body)
        ws = web.WebSocketResponse(**options)
        if headers:
            ws.headers.update(headers)
        await ws.prepare(request)
        await handler(ws)
        return ws

    app = web.Application()
    app.router.add_get("/{path:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return WebSocketServer(runner, port)


async def start_server(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> TestServer:
    """Start a server on 127.0.0.1 answering every method and path with
    ``handler``; close it with ``await server.close()``."""
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


class LoopbackResolver(AbstractResolver):
    """Resolves every host name to 127.0.0.1, so that a real request for
    ``http://api.test:<port>/`` reaches a local server under the same URL (and
    with the same trace signals of name resolution) as a mocked one."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass

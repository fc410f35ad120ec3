"""A real aiohttp server on 127.0.0.1, for the tests of passthrough and of
aiohttp being restored: what a request that is not mocked reaches."""

from __future__ import annotations

from aiohttp import web
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

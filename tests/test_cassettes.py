"""Cassettes: record real exchanges from a local aiohttp.web server, stop it,
replay them; what the client gets is the same (status, reason, headers,
bytes of the body)."""

from __future__ import annotations

import gzip
import json
import os
import pathlib
import tempfile
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

import aiohttpretty

BINARY = bytes(range(256)) * 64
BIG = os.urandom(300_000)


def _app() -> web.Application:
    async def json_view(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world", "q": request.query.get("q")})

    async def binary(request: web.Request) -> web.Response:
        return web.Response(body=BINARY, content_type="application/octet-stream")

    async def gzipped(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(b"squeezed " * 100),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        )

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for number in range(5):
            await response.write(b"line %d\n" % number)
        await response.write_eof()
        return response

    async def download(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(BIG))})
        await response.prepare(request)
        for start in range(0, len(BIG), 65536):
            await response.write(BIG[start : start + 65536])
        await response.write_eof()
        return response

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/json?q=redirected")

    async def set_cookie(request: web.Request) -> web.Response:
        response = web.Response(text="cookie set")
        response.set_cookie("session", "abc123")
        return response

    async def read_cookie(request: web.Request) -> web.Response:
        return web.Response(text=f"cookie={request.cookies.get('session')}")

    async def upload(request: web.Request) -> web.Response:
        data = await request.read()
        return web.Response(text=f"got {len(data)} bytes, {data[:10]!r}", status=201, reason="Stored")

    count = [0]

    async def counter(request: web.Request) -> web.Response:
        count[0] += 1
        return web.Response(text=f"call {count[0]}")

    app = web.Application()
    app.router.add_get("/json", json_view)
    app.router.add_get("/binary", binary)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/download", download)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_get("/read-cookie", read_cookie)
    app.router.add_post("/upload", upload)
    app.router.add_get("/counter", counter)
    return app


async def _start() -> TestServer:
    server = TestServer(_app(), host="127.0.0.1")
    await server.start_server()
    return server


def _seen(response: aiohttp.ClientResponse, body: bytes) -> dict[str, Any]:
    return {
        "status": response.status,
        "reason": response.reason,
        "headers": list(response.headers.items()),
        "body": body,
        "history": [(r.status, str(r.url)) for r in response.history],
    }


async def _traffic(base: str) -> list[dict[str, Any]]:
    """Every kind of exchange, as the client sees it."""
    seen = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        for path in ("/json?q=1", "/binary", "/gzip", "/redirect", "/set-cookie", "/read-cookie"):
            async with session.get(base + path) as response:
                seen.append(_seen(response, await response.read()))
        async with session.get(base + "/chunked") as response:
            lines = [line async for line in response.content]
            seen.append(_seen(response, b"".join(lines)))
        async with session.get(base + "/download") as response:
            pieces = [piece async for piece in response.content.iter_chunked(10_000)]
            seen.append(_seen(response, b"".join(pieces)))
        async with session.post(base + "/upload", data=BINARY) as response:
            seen.append(_seen(response, await response.read()))

        async def chunks():
            yield b"first "
            yield b"second"

        async with session.post(base + "/upload", data=chunks()) as response:
            seen.append(_seen(response, await response.read()))
    return seen


class RecordThenReplayTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        self.path = pathlib.Path(self.directory.name) / "traffic.json"

    async def test_replay_gives_the_client_what_the_server_gave(self):
        server = await _start()
        base = str(server.make_url(""))
        try:
            with aiohttpretty.cassette(self.path, keep_headers=["Set-Cookie", "Cookie"]) as tape:
                self.assertTrue(tape.recording)
                recorded = await _traffic(base)
        finally:
            await server.close()
        self.assertTrue(self.path.exists())
        with aiohttpretty.cassette(self.path, "none", assert_all_called=True) as tape:
            self.assertFalse(tape.recording)
            replayed = await _traffic(base)
        self.assertEqual(len(recorded), 10)
        for before, after in zip(recorded, replayed):
            with self.subTest(headers=before["headers"][:2]):
                self.assertEqual(after, before)
        # What the checks rest on: the real server answered.
        self.assertEqual(json.loads(recorded[0]["body"]), {"hello": "world", "q": "1"})
        self.assertEqual(recorded[2]["body"], b"squeezed " * 100)  # aiohttp decompressed it
        self.assertEqual(recorded[3]["history"][0][0], 302)
        self.assertEqual(recorded[5]["body"], b"cookie=abc123")
        self.assertEqual(recorded[6]["body"], b"".join(b"line %d\n" % n for n in range(5)))
        self.assertEqual(recorded[7]["body"], BIG)
        self.assertEqual(recorded[8]["status"], 201)
        self.assertEqual(recorded[9]["body"], b"got 12 bytes, b'first seco'")

    async def test_the_file_is_readable_and_keeps_bodies_as_sent(self):
        server = await _start()
        base = str(server.make_url(""))
        try:
            with aiohttpretty.cassette(self.path):
                await _traffic(base)
        finally:
            await server.close()
        data = json.loads(self.path.read_text())
        self.assertEqual(data["aiohttpretty_cassette"], aiohttpretty.cassettes.FORMAT_VERSION)
        exchanges = data["exchanges"]
        first = exchanges[0]
        self.assertEqual(first["request"]["method"], "GET")
        self.assertEqual(first["request"]["url"], base + "/json?q=1")
        self.assertEqual(json.loads(first["response"]["body"]), {"hello": "world", "q": "1"})
        gzipped = exchanges[2]["response"]
        self.assertNotIn("body", gzipped)
        self.assertEqual(
            gzip.decompress(__import__("base64").b64decode(gzipped["body_base64"])), b"squeezed " * 100
        )
        self.assertIn("body_base64", exchanges[1]["response"])
        chunked = next(e for e in exchanges if e["request"]["url"].endswith("/chunked"))
        self.assertTrue(chunked["response"]["chunked"])
        cookie = next(e for e in exchanges if e["request"]["url"].endswith("/set-cookie"))
        values = [value for name, value in cookie["response"]["headers"] if name.lower() == "set-cookie"]
        self.assertEqual(values, ["<FILTERED>"])
        reading = next(e for e in exchanges if e["request"]["url"].endswith("/read-cookie"))
        sent = [value for name, value in reading["request"]["headers"] if name.lower() == "cookie"]
        self.assertEqual(sent, ["<FILTERED>"])


if __name__ == "__main__":
    unittest.main()

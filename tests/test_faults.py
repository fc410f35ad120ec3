"""Fault injection: each fault raises in aiohttp what a raw server on
127.0.0.1 misbehaving the same way causes; and text=, html=, cookies=."""

from __future__ import annotations

import asyncio
import errno
import socket
import struct

import aiohttp
from yarl import URL as YURL

import aiohttpretty
from aiohttpretty import faults

URL = "http://api.test/data"


async def misbehaving_server(kind: str) -> asyncio.Server:
    """A raw server doing what the fault ``kind`` describes, for comparison."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if kind == "close_after":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        elif kind == "short_body":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n" + b"x" * 10)
        elif kind == "reset_in_head":
            writer.write(b"HTTP/1.1 2")
            await writer.drain()
            await asyncio.sleep(0.05)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


class FaultTest(aiohttpretty.AioHTTPrettyTestCase):
    passthrough = ("127.0.0.1",)

    async def failure(self, url: str) -> BaseException:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(url) as response:
                    await response.read()
            except aiohttp.ClientError as exc:
                return exc
        self.fail(f"GET {url} did not fail")

    async def real_failure(self, kind: str) -> BaseException:
        server = await misbehaving_server(kind)
        try:
            port = server.sockets[0].getsockname()[1]
            return await self.failure(f"http://127.0.0.1:{port}/")
        finally:
            server.close()
            await server.wait_closed()

    async def test_close_after_n_bytes(self):
        self.register_uri("GET", URL, body=b"x" * 100, fault=faults.close_after(10))
        mocked, real = await self.failure(URL), await self.real_failure("close_after")
        self.assertIs(type(mocked), aiohttp.ClientPayloadError)
        self.assertIs(type(mocked), type(real))
        self.assertEqual(str(mocked), str(real))  # "received 10 of 100 bytes" in recent aiohttp
        self.assertEqual(self.calls.last.response.body, b"x" * 10)

    async def test_content_length_longer_than_the_body(self):
        self.register_uri("GET", URL, body=b"x" * 10, fault=faults.short_body(5))
        mocked, real = await self.failure(URL), await self.real_failure("short_body")
        self.assertIs(type(mocked), aiohttp.ClientPayloadError)
        self.assertIs(type(mocked), type(real))
        self.assertEqual(str(mocked), str(real))
        self.assertEqual(self.calls.last.response.headers["Content-Length"], "15")

    async def test_reset_during_the_head(self):
        self.register_uri("GET", URL, body=b"x", fault=faults.reset_in_head())
        mocked, real = await self.failure(URL), await self.real_failure("reset_in_head")
        self.assertIs(type(mocked), aiohttp.ClientOSError)
        self.assertIs(type(mocked), type(real))
        self.assertEqual(mocked.errno, errno.ECONNRESET)
        self.assertEqual(real.errno, errno.ECONNRESET)

    async def test_pause_between_chunks_trips_the_read_timeout(self):
        self.register_uri("GET", URL, body=[b"a", b"b"], fault=faults.pause(5))
        timeout = aiohttp.ClientTimeout(sock_read=0.05)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(URL) as response:
                with self.assertRaises(aiohttp.ServerTimeoutError):
                    await response.read()

    async def test_pause_shorter_than_the_timeout_delivers_every_piece(self):
        self.register_uri("GET", URL, body=b"abcdef", fault=faults.pause(0, chunk_size=2))
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                pieces = [piece async for piece in response.content.iter_any()]
        self.assertEqual(b"".join(pieces), b"abcdef")
        self.assertEqual(self.calls.last.response.body, b"abcdef")

    def test_faults_check_their_arguments(self):
        with self.assertRaisesRegex(TypeError, "close_after: n must be an int >= 0"):
            faults.close_after(-1)
        with self.assertRaisesRegex(TypeError, "short_body: extra must be an int >= 1"):
            faults.short_body(0)
        with self.assertRaisesRegex(ValueError, "pause: seconds must be >= 0"):
            faults.pause(-1)
        with self.assertRaisesRegex(TypeError, "fault must be one of aiohttpretty.faults"):
            self.register_uri("GET", URL, fault="close")


class BodyHelpersTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_text_and_html_carry_their_content_type(self):
        self.register_uri("GET", URL, text="héllo")
        self.register_uri("GET", "http://api.test/page", html="<p>é</p>")
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                self.assertEqual(response.headers["Content-Type"], "text/plain; charset=utf-8")
                self.assertEqual(response.charset, "utf-8")
                self.assertEqual(await response.text(), "héllo")
            async with session.get("http://api.test/page") as response:
                self.assertEqual(response.content_type, "text/html")
                self.assertEqual(await response.text(), "<p>é</p>")

    async def test_cookies_land_in_the_real_jar_with_their_attributes(self):
        self.register_uri(
            "GET",
            "http://api.test/login",
            cookies={"session": {"value": "abc", "path": "/app", "httponly": True}, "plain": "1"},
        )
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/login") as response:
                self.assertIn("HttpOnly", response.headers.getall("Set-Cookie")[0])
            jar = session.cookie_jar
            self.assertEqual(jar.filter_cookies(YURL("http://api.test/app/x"))["session"].value, "abc")
            self.assertNotIn("session", jar.filter_cookies(YURL("http://api.test/other")))
            self.assertIn("plain", jar.filter_cookies(YURL("http://api.test/other")))

    def test_one_body_only(self):
        with self.assertRaisesRegex(TypeError, "give one of body, text and html"):
            self.register_uri("GET", URL, body=b"x", text="y")
        with self.assertRaisesRegex(TypeError, "without a 'value'"):
            self.register_uri("GET", URL, cookies={"a": {"path": "/"}})

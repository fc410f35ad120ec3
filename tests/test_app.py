"""register_app: an aiohttp.web application answering in memory, compared
with the same application behind a real TestServer on 127.0.0.1."""

from __future__ import annotations

import asyncio
import pathlib
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

import aiohttpretty
from aiohttpretty._framing import ResponseEnd

ORIGIN = "http://api.example.com"
FILE = pathlib.Path(__file__).resolve().parent / "realserver.py"


def make_app(events: list[str] | None = None) -> web.Application:
    """A fake third-party API, as a project would write one."""
    events = events if events is not None else []

    @web.middleware
    async def stamp(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers["X-Middleware"] = "yes"
        return response

    async def user(request: web.Request) -> web.Response:
        response = web.json_response(
            {
                "id": request.match_info["id"],
                "q": request.query.get("q"),
                "ua": "User-Agent" in request.headers,
            }
        )
        response.set_cookie("session", "abc", path="/")
        response.headers["X-Custom"] = "1"
        return response

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.Response(
            body=body, content_type=request.content_type, headers={"X-Method": request.method}
        )

    async def upload(request: web.Request) -> web.Response:
        pieces = 0
        size = 0
        async for piece in request.content.iter_chunked(1000):
            pieces += 1
            size += len(piece)
        return web.json_response({"size": size, "several": pieces > 1})

    async def cookies(request: web.Request) -> web.Response:
        return web.json_response(dict(request.cookies))

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/users/7?q=moved")

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        for number in range(5):
            await response.write(b"line %d\n" % number)
        await response.write_eof()
        return response

    async def file(request: web.Request) -> web.FileResponse:
        return web.FileResponse(FILE)

    async def empty(request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def boom(request: web.Request) -> web.Response:
        raise ZeroDivisionError("the fake API broke")

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str("echo " + message.data)
        return ws

    async def on_startup(app: web.Application) -> None:
        events.append("startup")

    async def context(app: web.Application) -> Any:
        events.append("context in")
        yield
        events.append("context out")

    app = web.Application(middlewares=[stamp])
    app.on_startup.append(on_startup)
    app.cleanup_ctx.append(context)
    app.router.add_get("/users/{id}", user)
    app.router.add_post("/echo", echo)
    app.router.add_post("/upload", upload)
    app.router.add_get("/cookies", cookies)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/stream", stream)
    app.router.add_get("/file", file)
    app.router.add_get("/empty", empty)
    app.router.add_get("/boom", boom)
    app.router.add_get("/ws", socket)
    return app


# The headers that differ between two runs of a server whatever answers.
_VARYING = {"Date", "Last-Modified", "Etag", "Sec-Websocket-Accept"}


def _headers(response: aiohttp.ClientResponse) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.items() if name.title() not in _VARYING]


async def exercise(base: str) -> list[Any]:
    """The client test suite: what a client sees of the API at ``base``."""
    seen: list[Any] = []
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base, cookie_jar=jar) as session:
        async with session.get("/users/1", params={"q": "x"}) as response:
            seen.append(("user", response.status, _headers(response), await response.json()))
        seen.append(("jar", sorted((cookie.key, cookie.value) for cookie in jar)))
        async with session.get("/cookies") as response:
            seen.append(("cookies", await response.json()))
        async with session.post("/echo", json={"a": 1}) as response:
            seen.append(("echo", response.status, _headers(response), await response.read()))
        upload = b"x" * 200_000
        async with session.post("/upload", data=upload) as response:
            seen.append(("upload", await response.json()))
        async with session.get("/redirect") as response:
            history = [(r.status, r.headers["Location"]) for r in response.history]
            seen.append(("redirect", response.status, str(response.url.relative()), history))
        async with session.get("/stream") as response:
            lines = [line async for line in response.content]
            seen.append(("stream", _headers(response), lines))
        async with session.get("/file") as response:
            seen.append(("file", response.status, await response.read() == FILE.read_bytes()))
        async with session.get("/empty") as response:
            seen.append(("empty", response.status, _headers(response), await response.read()))
        async with session.head("/users/2") as response:
            seen.append(("head", response.status, _headers(response)))
        async with session.get("/missing") as response:
            seen.append(("missing", response.status, _headers(response), await response.text()))
        async with session.get("/boom") as response:
            seen.append(("boom", response.status, _headers(response), await response.text()))
        async with session.ws_connect("/ws") as ws:
            await ws.send_str("hi")
            seen.append(("ws", (await ws.receive()).data))
    return seen


class BothWaysTest(aiohttpretty.AioHTTPrettyTestCase):
    passthrough = ("127.0.0.1",)

    async def test_the_client_suite_sees_the_same_in_memory_and_over_loopback(self):
        events: list[str] = []
        self.register_app(ORIGIN, make_app(events))
        in_memory = await exercise(ORIGIN)
        real_events: list[str] = []
        server = TestServer(make_app(real_events), host="127.0.0.1")
        await server.start_server()
        try:
            with self.assertLogs("aiohttp.server", "ERROR") as logged:  # the real server logs the 500
                over_loopback = await exercise(str(server.make_url("")))
        finally:
            await server.close()
        self.assertEqual(in_memory, over_loopback)
        self.assertEqual(in_memory[0][1], 200)
        self.assertIn(("X-Middleware", "yes"), in_memory[0][2])
        self.assertEqual(in_memory[1], ("jar", [("session", "abc")]))
        self.assertEqual(in_memory[2], ("cookies", {"session": "abc"}))
        self.assertEqual(in_memory[4], ("upload", {"size": 200_000, "several": True}))
        self.assertEqual(in_memory[5], ("redirect", 200, "/users/7?q=moved", [(302, "/users/7?q=moved")]))
        self.assertEqual(in_memory[6][2], [b"line %d\n" % n for n in range(5)])
        self.assertEqual(in_memory[11][1], 500)
        self.assertIn("ZeroDivisionError: the fake API broke", "\n".join(logged.output))
        self.assertEqual(in_memory[12], ("ws", "echo hi"))
        self.assertEqual(events, real_events[:2])
        self.assertEqual(real_events[2:], ["context out"])
        # Served requests are recorded; the handler's error fails the test at
        # its end (here it was expected: forget it).
        self.assertCalled("GET", ORIGIN + "/users/1", params={"q": "x"})
        self.assertTrue(self.has_call(ORIGIN + "/echo", method="POST", json={"a": 1}))
        self.assertEqual([type(m.exception) for m in self.aiohttpretty.mistakes], [ZeroDivisionError])
        self.aiohttpretty.mistakes.clear()


class RegisterAppTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_route_under_the_origin_wins_on_the_same_connection(self):
        async with aiohttpretty.mocked() as mock:
            mock.register_app(ORIGIN, make_app())
            mock.register_uri("GET", ORIGIN + "/users/2", body=b"overridden")
            async with aiohttp.ClientSession() as session:
                for _ in range(2):
                    async with session.get(ORIGIN + "/users/1") as response:
                        self.assertEqual((await response.json())["id"], "1")
                    async with session.get(ORIGIN + "/users/2") as response:
                        self.assertEqual(await response.read(), b"overridden")
            self.assertEqual(len(mock.calls), 4)
            self.assertEqual(len(mock.registry.get(("GET", ORIGIN + "/users/2")).calls), 2)

    async def test_a_handler_error_is_a_500_and_fails_the_block_with_its_traceback(self):
        with self.assertRaises(AssertionError) as caught:
            async with aiohttpretty.mocked() as mock:
                mock.register_app(ORIGIN, make_app())
                async with aiohttp.ClientSession() as session:
                    async with session.get(ORIGIN + "/boom") as response:
                        self.assertEqual(response.status, 500)
        message = str(caught.exception)
        self.assertIn("GET http://api.example.com/boom: ZeroDivisionError: the fake API broke", message)
        self.assertIn("Traceback", message)
        self.assertIn("in boom", message)  # the handler's frame

    async def test_an_app_failing_at_startup_fails_the_request_and_the_block(self):
        async def broken(app: web.Application) -> None:
            raise RuntimeError("no database")

        app = web.Application()
        app.on_startup.append(broken)
        with self.assertRaises(AssertionError) as caught:
            async with aiohttpretty.mocked() as mock:
                mock.register_app(ORIGIN, app)
                async with aiohttp.ClientSession() as session:
                    with self.assertRaises(RuntimeError):
                        await session.get(ORIGIN + "/")
        self.assertIn("failed to start", str(caught.exception))
        self.assertIn("RuntimeError: no database", str(caught.exception))
        self.assertIn("in broken", str(caught.exception))

    async def test_startup_once_and_cleanup_once_when_the_block_ends(self):
        events: list[str] = []
        async with aiohttpretty.mocked() as mock:
            mock.register_app(ORIGIN, make_app(events))
            self.assertEqual(events, [])
            async with aiohttp.ClientSession() as session:
                for _ in range(3):
                    await (await session.get(ORIGIN + "/users/1")).read()
                async with aiohttp.ClientSession() as other:
                    await (await other.get(ORIGIN + "/users/1")).read()
            self.assertEqual(sorted(events), ["context in", "startup"])
        self.assertEqual(sorted(events), ["context in", "context out", "startup"])

    async def test_a_single_handler_answers_every_path_under_a_prefix(self):
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(text=f"{request.method} {request.path_qs}")

        async with aiohttpretty.mocked() as mock:
            mock.register_app("https://api.example.com/v1", handler)
            async with aiohttp.ClientSession() as session:
                async with session.put("https://api.example.com/v1/items?a=1", data=b"x") as response:
                    self.assertEqual(await response.text(), "PUT /v1/items?a=1")
                with mock.raises(aiohttpretty.NoRouteMatched):
                    await session.get("https://api.example.com/v10")
                with mock.raises(aiohttpretty.NoRouteMatched):
                    await session.get("http://api.example.com/v1")

    async def test_expect_continue_and_a_client_leaving_an_endless_stream(self):
        stopped: list[str] = []

        async def endless(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()
            await response.prepare(request)
            try:
                while True:
                    await response.write(b"tick\n")
                    await asyncio.sleep(0.001)
            except ConnectionResetError as exc:
                stopped.append(type(exc).__name__)
                raise

        async def upload(request: web.Request) -> web.Response:
            return web.Response(text=str(len(await request.read())))

        app = web.Application()
        app.router.add_get("/endless", endless)
        app.router.add_post("/upload", upload)
        async with aiohttpretty.mocked() as mock:
            mock.register_app(ORIGIN, app)
            async with aiohttp.ClientSession() as session:
                async with session.post(ORIGIN + "/upload", data=b"x" * 1000, expect100=True) as response:
                    self.assertEqual(await response.text(), "1000")
                async with session.get(ORIGIN + "/endless") as response:
                    self.assertEqual(await response.content.readline(), b"tick\n")
                for _ in range(100):
                    if stopped:
                        break
                    await asyncio.sleep(0.01)
                self.assertEqual(len(stopped), 1)  # the handler saw the client go, as behind a socket
                async with session.post(ORIGIN + "/upload", data=b"y") as response:
                    self.assertEqual(await response.text(), "1")
        # and its error is not a mistake of the test: the block ended cleanly.

    async def test_the_server_sees_the_client_close_a_kept_connection(self):
        protocols: list[Any] = []

        async def hello(request: web.Request) -> web.Response:
            protocols.append(request.protocol)
            return web.Response(text="hi")

        async with aiohttpretty.mocked() as mock:
            mock.register_app(ORIGIN, hello)
            async with aiohttp.ClientSession() as session:
                for _ in range(3):
                    async with session.get(ORIGIN + "/x") as response:
                        self.assertEqual(await response.text(), "hi")
                self.assertEqual(len({id(protocol) for protocol in protocols}), 1)  # one kept connection
                self.assertIsNotNone(protocols[0].transport)
            for _ in range(3):
                await asyncio.sleep(0)
            self.assertIsNone(protocols[0].transport)  # the session closed it: the server saw it go

    async def test_https_origin_is_seen_by_the_app(self):
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(text=str(request.url))

        async with aiohttpretty.mocked() as mock:
            mock.register_app("https://api.example.com", handler)
            response = await mock.fake_request("GET", "https://api.example.com/x?y=1")
            self.assertEqual(await response.text(), "https://api.example.com/x?y=1")

    async def test_module_level_and_test_case_forms(self):
        async def handler(request: web.BaseRequest) -> web.Response:
            return web.Response(text="module")

        async with aiohttpretty.mocked():
            aiohttpretty.register_app(ORIGIN, handler)
            async with aiohttp.ClientSession() as session:
                async with session.get(ORIGIN + "/") as response:
                    self.assertEqual(await response.text(), "module")
            self.assertTrue(aiohttpretty.has_call(ORIGIN + "/"))

    async def test_clear_forgets_and_cleans_up_the_apps(self):
        events: list[str] = []
        async with aiohttpretty.mocked() as mock:
            mock.register_app(ORIGIN, make_app(events))
            async with aiohttp.ClientSession() as session:
                await (await session.get(ORIGIN + "/users/1")).read()
                mock.clear()
                await asyncio.sleep(0.05)  # in a running loop, the cleanup is scheduled
                self.assertEqual(events[2:], ["context out"])
                with mock.raises(aiohttpretty.NoRouteMatched):
                    await session.get(ORIGIN + "/users/1")

    def test_bad_input_is_refused_and_registers_nothing(self):
        mock = aiohttpretty.AioHTTPretty()
        with self.assertRaisesRegex(ValueError, "origin such as"):
            mock.register_app("ftp://api.example.com", make_app())
        with self.assertRaisesRegex(ValueError, "origin such as"):
            mock.register_app("http://api.example.com/?q=1", make_app())
        with self.assertRaisesRegex(TypeError, "aiohttp.web.Application or a handler"):
            mock.register_app(ORIGIN, "not an app")
        self.assertEqual(mock._mounts, [])


class ResponseEndTest(unittest.TestCase):
    """Where a response ends, on bytes alone, whatever pieces they come in."""

    def feed_bytewise(self, method: str, data: bytes, expects_continue: bool = False) -> tuple[bytes, int]:
        end = ResponseEnd(method, expects_continue)
        sent = b""
        for position in range(len(data)):
            piece, _ = end.feed(data[position : position + 1])
            sent += piece
            if end.done:
                return sent, position + 1
        return sent, -1

    def test_framings(self):
        chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n" + b"x" * 16
        chunked += b"\r\n0\r\n\r\n"
        length = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        empty = b"HTTP/1.1 204 No Content\r\n\r\n"
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
        for data in (chunked, length, empty):
            with self.subTest(data=data[:30]):
                self.assertEqual(self.feed_bytewise("GET", data), (data, len(data)))
        self.assertEqual(self.feed_bytewise("HEAD", head), (head, len(head)))
        unframed = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
        self.assertEqual(self.feed_bytewise("GET", unframed), (unframed, -1))
        whole = ResponseEnd("GET", False)
        self.assertEqual(whole.feed(length + b"next"), (length, b"next"))
        self.assertTrue(whole.done and whole.keeps_alive)

    def test_a_continue_the_client_got_already_is_dropped(self):
        data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        self.assertEqual(self.feed_bytewise("POST", data, expects_continue=True), (data[25:], len(data)))
        early = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        self.assertEqual(ResponseEnd("GET", False).feed(early), (early, b""))


class TestCaseFormTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_self_register_app(self):
        events: list[str] = []
        self.register_app(ORIGIN, make_app(events))
        async with aiohttp.ClientSession() as session:
            async with session.get(ORIGIN + "/users/3") as response:
                self.assertEqual((await response.json())["id"], "3")
        self.assertCalled("GET", ORIGIN + "/users/3")
        self.assertEqual(sorted(events), ["context in", "startup"])


if __name__ == "__main__":
    unittest.main()

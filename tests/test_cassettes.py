"""Cassettes: record real exchanges from a local aiohttp.web server, stop it,
replay them; what the client gets is the same (status, reason, headers,
bytes of the body)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import pathlib
import tempfile
import unittest
from typing import Any, ClassVar

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
        for before, after in zip(recorded, replayed, strict=True):
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
        self.assertEqual(gzip.decompress(base64.b64decode(gzipped["body_base64"])), b"squeezed " * 100)
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


class _Recorded(unittest.IsolatedAsyncioTestCase):
    """Records ``/counter`` (twice), ``/json?q=1`` and ``/binary`` from a real
    server into ``self.path``; the server is gone afterwards."""

    async def asyncSetUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        self.path = pathlib.Path(self.directory.name) / "tape.json"
        server = await _start()
        self.base = str(server.make_url(""))
        try:
            with aiohttpretty.cassette(self.path):
                for path in ("/counter", "/counter", "/json?q=1&r=2", "/binary"):
                    await self.get(path)
        finally:
            await server.close()

    async def get(self, path: str, **kwargs: Any) -> tuple[int, bytes]:
        async with aiohttp.ClientSession() as session:
            async with session.get(self.base + path, **kwargs) as response:
                return response.status, await response.read()


class ReplayRulesTest(_Recorded):
    async def test_the_same_request_is_answered_in_recorded_order(self):
        with aiohttpretty.cassette(self.path, "none"):
            self.assertEqual(await self.get("/counter"), (200, b"call 1"))
            self.assertEqual(await self.get("/counter"), (200, b"call 2"))
            with self.assertRaises(aiohttpretty.NoRouteMatched) as caught:
                await self.get("/counter")
        self.assertIn("already replayed", str(caught.exception))
        self.assertIn(str(self.path), str(caught.exception))

    async def test_the_query_matches_in_any_order(self):
        with aiohttpretty.cassette(self.path, "none"):
            _status, body = await self.get("/json?r=2&q=1")
        self.assertEqual(json.loads(body)["q"], "1")

    async def test_a_request_not_recorded_is_refused_naming_the_closest(self):
        with aiohttpretty.cassette(self.path, "none"):
            with self.assertRaises(aiohttpretty.NoRouteMatched) as caught:
                await self.get("/jsn?q=1&r=2")
        message = str(caught.exception)
        self.assertIn(f"GET {self.base}/jsn", message)
        self.assertIn(f"GET {self.base}/json?q=1&r=2", message.split("Closest recorded requests")[1])

    async def test_once_with_a_cassette_replays_only(self):
        with aiohttpretty.cassette(self.path, "once") as tape:
            self.assertFalse(tape.recording)
            with self.assertRaises(aiohttpretty.NoRouteMatched):
                await self.get("/never")

    async def test_a_registered_route_wins(self):
        with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", self.base + "/binary", body=b"from the route")
            with aiohttpretty.cassette(self.path, "none"):
                self.assertEqual(await self.get("/binary"), (200, b"from the route"))
                self.assertEqual(await self.get("/counter"), (200, b"call 1"))
            self.assertEqual(len(mock.calls), 2)

    async def test_assert_all_called_names_unused_exchanges(self):
        with self.assertRaises(AssertionError) as caught:
            with aiohttpretty.cassette(self.path, "none", assert_all_called=True):
                await self.get("/counter")
        self.assertIn("never requested", str(caught.exception))
        self.assertIn(f"GET {self.base}/binary", str(caught.exception))

    async def test_match_on_body(self):
        with aiohttpretty.cassette(self.path, "none", match_on=["method", "url", "body"]):
            self.assertEqual((await self.get("/counter"))[0], 200)
            with self.assertRaises(aiohttpretty.NoRouteMatched):
                await self.get("/counter", data=b"a body")

    async def test_unknown_options_are_refused(self):
        with self.assertRaisesRegex(ValueError, "once, none, new_episodes, all"):
            aiohttpretty.cassette(self.path, "onec")
        with self.assertRaisesRegex(TypeError, "unknown option"):
            aiohttpretty.cassette(self.path, match=["url"])
        with self.assertRaisesRegex(ValueError, "match_on"):
            with aiohttpretty.cassette(self.path, match_on=["uri"]):
                pass


class RecordModesTest(_Recorded):
    async def test_new_episodes_replays_what_is_there_and_records_what_is_new(self):
        server = await _start()
        base, self.base = self.base, str(server.make_url(""))
        try:
            with aiohttpretty.cassette(self.path, "new_episodes"):
                _status, body = await self.get("/counter")
        finally:
            await server.close()
        self.assertEqual(body, b"call 1")  # the new server's first call: recorded anew
        urls = [e["request"]["url"] for e in json.loads(self.path.read_text())["exchanges"]]
        self.assertEqual(
            urls[:4], [base + "/counter", base + "/counter", base + "/json?q=1&r=2", base + "/binary"]
        )
        self.assertEqual(urls[4:], [self.base + "/counter"])

    async def test_all_records_again(self):
        server = await _start()
        self.base = str(server.make_url(""))
        try:
            with aiohttpretty.cassette(self.path, "all"):
                await self.get("/binary")
        finally:
            await server.close()
        exchanges = json.loads(self.path.read_text())["exchanges"]
        self.assertEqual([e["request"]["url"] for e in exchanges], [self.base + "/binary"])

    async def test_the_environment_overrides_the_mode(self):
        os.environ["AIOHTTPRETTY_RECORD_MODE"] = "all"
        self.addCleanup(os.environ.pop, "AIOHTTPRETTY_RECORD_MODE")
        self.assertEqual(aiohttpretty.Cassette(self.path, "none").mode, "all")

    async def test_none_without_a_cassette_says_so(self):
        with self.assertRaisesRegex(aiohttpretty.CassetteError, "does not exist"):
            aiohttpretty.Cassette(pathlib.Path(self.directory.name) / "missing.json", "none")

    async def test_a_failing_block_writes_nothing(self):
        before = self.path.read_bytes()
        server = await _start()
        self.base = str(server.make_url(""))
        try:
            with self.assertRaises(RuntimeError):
                with aiohttpretty.cassette(self.path, "all"):
                    await self.get("/binary")
                    raise RuntimeError("the test failed half-way")
        finally:
            await server.close()
        self.assertEqual(self.path.read_bytes(), before)
        self.assertEqual(os.listdir(self.directory.name), ["tape.json"])  # no temporary file left


class FiltersTest(unittest.IsolatedAsyncioTestCase):
    async def test_secrets_headers_and_query_parameters_are_filtered_and_still_replay(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        path = pathlib.Path(directory.name) / "secret.json"
        server = await _start()
        url = str(server.make_url("/json")) + "?q=1&api_key=s3cret"
        headers = {"Authorization": "Bearer s3cret", "X-Token": "s3cret", "X-Other": "kept"}

        def hook(entry: dict[str, Any]) -> dict[str, Any]:
            entry["response"]["headers"].append(["X-Hooked", "yes"])
            return entry

        options: dict[str, Any] = {"filter_headers": ["X-Token"], "filter_query": ["api_key"]}
        try:
            with aiohttpretty.cassette(path, before_record=hook, **options):
                async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
                    recorded = await response.read()
        finally:
            await server.close()
        text = path.read_text()
        self.assertNotIn("s3cret", text)
        self.assertIn("kept", text)
        self.assertEqual(text.count("<FILTERED>"), 2)  # Authorization, X-Token
        self.assertIn("api_key=%3CFILTERED%3E", text)
        with aiohttpretty.cassette(path, "none", **options):
            async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
                self.assertEqual(await response.read(), recorded)
                self.assertEqual(response.headers["X-Hooked"], "yes")


class BadCassettesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        self.path = pathlib.Path(self.directory.name) / "bad.json"

    def load_error(self, text: str) -> str:
        self.path.write_text(text)
        with self.assertRaises(aiohttpretty.CassetteError) as caught:
            aiohttpretty.Cassette(self.path, "none")
        message = str(caught.exception)
        self.assertIn(str(self.path), message)
        return message

    def good(self) -> dict[str, Any]:
        return {
            "aiohttpretty_cassette": 1,
            "exchanges": [
                {
                    "request": {"method": "GET", "url": "http://api.test/a", "headers": [], "body": ""},
                    "response": {"status": 200, "reason": "OK", "headers": [], "body": "a"},
                },
                {
                    "request": {"method": "GET", "url": "http://api.test/b", "headers": [], "body": ""},
                    "response": {"status": 200, "reason": "OK", "headers": [], "body": "b"},
                },
            ],
        }

    def test_a_truncated_file(self):
        text = json.dumps(self.good())
        self.assertIn("not valid JSON", self.load_error(text[: len(text) // 2]))

    def test_an_unknown_version(self):
        data = self.good()
        data["aiohttpretty_cassette"] = 99
        self.assertIn("format version 99", self.load_error(json.dumps(data)))

    def test_not_a_cassette(self):
        self.assertIn("not an aiohttpretty cassette", self.load_error("[]"))

    def test_a_hand_edited_invalid_entry_is_named(self):
        data = self.good()
        data["exchanges"][1]["response"]["status"] = "200"
        message = self.load_error(json.dumps(data))
        self.assertIn("exchange 2 (GET http://api.test/b)", message)
        self.assertIn("'status' must be an integer", message)
        data = self.good()
        data["exchanges"][0]["response"]["body_base64"] = "not base64!"
        del data["exchanges"][0]["response"]["body"]
        self.assertIn(
            "exchange 1 (GET http://api.test/a): response 'body_base64' is not base64",
            self.load_error(json.dumps(data)),
        )
        data = self.good()
        data["exchanges"][1]["response"]["headers"] = [["Content-Length", "5"]]
        message = self.load_error(json.dumps(data))
        self.assertIn("exchange 2 (GET http://api.test/b): the response's Content-Length is 5", message)
        data = self.good()
        data["exchanges"][0]["request"]["headers"] = [["Host"]]
        self.assertIn("[name, value] pairs", self.load_error(json.dumps(data)))

    def test_a_hand_written_cassette_replays(self):
        self.path.write_text(json.dumps(self.good()))

        async def run() -> bytes:
            with aiohttpretty.cassette(self.path, "none"):
                async with aiohttp.ClientSession() as session, session.get("http://api.test/b") as response:
                    return await response.read()

        self.assertEqual(asyncio.run(run()), b"b")


class TestCaseOptionTest(unittest.TestCase):
    def test_the_class_attribute_records_a_file_per_test_then_replays(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        base: list[str] = []

        class Case(aiohttpretty.AioHTTPrettyTestCase):
            cassette = os.path.join(directory.name, "{test}.json")
            cassette_options: ClassVar[dict[str, Any]] = {"filter_headers": ["X-Secret"]}

            async def test_one(self):
                headers = {"X-Secret": "hush"}
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(base[0] + "/counter", headers=headers) as response,
                ):
                    self.assertEqual(await response.text(), "call 1")

        async def record() -> None:
            server = await _start()
            base.append(str(server.make_url("")))
            try:
                await asyncio.get_running_loop().run_in_executor(None, run_case)
            finally:
                await server.close()

        def run_case() -> unittest.TestResult:
            result = unittest.TestResult()
            unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
            self.assertTrue(result.wasSuccessful(), result.failures + result.errors)
            return result

        asyncio.run(record())
        recorded = pathlib.Path(directory.name, "test_one.json").read_text()
        self.assertNotIn("hush", recorded)
        self.assertIn("X-Secret", recorded)
        Case.record_mode = "none"
        run_case()  # the server is gone: replayed


class WireEdgesTest(unittest.IsolatedAsyncioTestCase):
    """A body that ends when the server closes, 204, HEAD: recorded from a raw
    server on 127.0.0.1, replayed the same."""

    async def test_unframed_bodies_empty_responses_and_head(self):
        answers = {
            b"/close": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
            b"/empty": b"HTTP/1.1 204 No Content\r\nX-Kind: empty\r\n\r\n",
            b"/head": b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n",
        }

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            writer.write(answers[head.split(b" ")[1]])
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        path = pathlib.Path(directory.name) / "edges.json"

        async def traffic() -> list[Any]:
            seen = []
            async with aiohttp.ClientSession() as session:
                for method, target in (("GET", "/close"), ("GET", "/empty"), ("HEAD", "/head")):
                    async with session.request(method, base + target) as response:
                        seen.append(_seen(response, await response.read()))
            return seen

        try:
            with aiohttpretty.cassette(path):
                recorded = await traffic()
        finally:
            server.close()
            await server.wait_closed()
        with aiohttpretty.cassette(path, "none", assert_all_called=True):
            replayed = await traffic()
        self.assertEqual(replayed, recorded)
        self.assertEqual([seen["status"] for seen in recorded], [200, 204, 200])
        self.assertEqual(recorded[0]["body"], b"until the end")
        self.assertEqual(recorded[2]["headers"], [("Content-Length", "42")])


VCRPY_CASSETTE = """\
interactions:
- request:
    body: null
    headers:
      Authorization:
      - XXXX
    method: GET
    uri: http://api.test/user?id=1
  response:
    body:
      string: '{"id": 1, "name": "Ada"}'
    headers:
      Content-Encoding:
      - gzip
      Content-Length:
      - '44'
      Content-Type:
      - application/json; charset=utf-8
    status:
      code: 200
      message: OK
    url: http://api.test/user?id=1
- request:
    body: !!binary |
      AAEC
    headers: {}
    method: POST
    uri: http://api.test/upload
  response:
    body:
      string: !!binary |
        /wD+
    headers:
      Transfer-Encoding:
      - chunked
    status:
      code: 201
      message: Created
    url: http://api.test/upload
version: 1
"""


class VcrpyCassetteTest(unittest.IsolatedAsyncioTestCase):
    """vcrpy's YAML cassettes are read when PyYAML is installed (the ``yaml``
    extra); without it, loading one says what to install."""

    def setUp(self) -> None:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.path = pathlib.Path(directory.name) / "vcr.yaml"
        self.path.write_text(VCRPY_CASSETTE)

    async def test_a_vcrpy_cassette_replays(self):
        try:
            import yaml  # noqa: F401
        except ImportError:
            with self.assertRaisesRegex(aiohttpretty.CassetteError, r"needs PyYAML.*aiohttpretty\[yaml\]"):
                aiohttpretty.Cassette(self.path)
            return
        with aiohttpretty.cassette(self.path, "none", assert_all_called=True):
            async with aiohttp.ClientSession() as session:
                async with session.get("http://api.test/user?id=1") as response:
                    self.assertEqual(await response.json(), {"id": 1, "name": "Ada"})
                    self.assertNotIn("Content-Encoding", response.headers)
                    self.assertEqual(response.headers["Content-Length"], "24")
                async with session.post("http://api.test/upload", data=b"\x00\x01\x02") as response:
                    self.assertEqual((response.status, response.reason), (201, "Created"))
                    self.assertEqual(await response.read(), b"\xff\x00\xfe")

    def test_a_vcrpy_cassette_is_never_recorded_to(self):
        with self.assertRaisesRegex(aiohttpretty.CassetteError, "only read.*record to a .json file"):
            aiohttpretty.Cassette(self.path, "new_episodes")

"""The mock answers as a real ``aiohttp.web`` server on 127.0.0.1 does.

Each test sends the same requests to a server and to the mock registered
with the same response, and compares what the client sees: the status line,
the headers (but ``Date`` and ``Server``), ``content_length``, the body, and
every trace signal aiohttp sends (connections made and reused, name
resolution).  The real requests go to ``http://api.test:<port>/``, resolved to
127.0.0.1 by the session's resolver, so that both sides ask for the same URL
and resolve the same name; the mocked side runs under the network guard.
"""

from __future__ import annotations

import http
import json
import unittest
import warnings
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import aiohttp
from aiohttp import web

import aiohttpretty

from .netguard import NetworkGuard
from .realserver import LoopbackResolver, start_server

SIGNALS = sorted(name for name in dir(aiohttp.TraceConfig()) if name.startswith("on_"))
PLAIN = {"Content-Type": "text/plain"}
PHRASES = {status.value: status.phrase for status in http.HTTPStatus}


class Seen(NamedTuple):
    """What the client saw of one response."""

    status: int
    reason: str | None
    headers: list[tuple[str, str]]
    content_length: int | None
    body: bytes
    signals: list[str]


class Client:
    """A session recording every trace signal, and what it saw of each response."""

    def __init__(self, **connector: Any) -> None:
        self.signals: list[str] = []
        trace = aiohttp.TraceConfig()
        for name in SIGNALS:
            getattr(trace, name).append(self._recorder(name[3:]))
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(**connector), trace_configs=[trace]
        )

    def _recorder(self, name: str) -> Callable[..., Awaitable[None]]:
        async def record(session: Any, context: Any, params: Any) -> None:
            self.signals.append(name)

        return record

    async def fetch(self, method: str, url: str, **kwargs: Any) -> Seen:
        self.signals = []
        async with self.session.request(method, url, **kwargs) as response:
            body = await response.read()
            headers = sorted(
                (name.lower(), value)
                for name, value in response.headers.items()
                if name.lower() not in ("date", "server")
            )
            return Seen(
                response.status, response.reason, headers, response.content_length, body, self.signals
            )


#: How the mock is registered on: a mocked() block's mock, a user's AioHTTPretty(),
#: or the module-level functions of the original API.
ENTRY_POINTS = ("mocked()", "AioHTTPretty()", "original API")

Requests = list[tuple[str, str, dict[str, Any]]]


class ServerComparison(unittest.IsolatedAsyncioTestCase):
    async def serve(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> str:
        server = await start_server(handler)
        self.addAsyncCleanup(server.close)
        return f"http://api.test:{server.port}"

    async def real(self, requests: Requests, **connector: Any) -> list[Seen]:
        client = Client(resolver=LoopbackResolver(), **connector)
        async with client.session:
            return [await client.fetch(method, url, **kwargs) for method, url, kwargs in requests]

    async def mocked(
        self,
        register: Callable[[Any], object],
        requests: Requests,
        entry: str = "mocked()",
        check: Callable[[aiohttpretty.AioHTTPretty], object] = lambda mock: None,
        **connector: Any,
    ) -> list[Seen]:
        """What the client sees of ``requests`` answered by the mock
        ``register`` registers on; ``check`` looks at the mock (its calls)
        before the block that made it ends."""
        with NetworkGuard() as guard, aiohttpretty.mocked() as block:
            mock = block
            if entry == "AioHTTPretty()":
                mock = aiohttpretty.AioHTTPretty()
                mock.activate()
                self.addCleanup(mock.deactivate)
            register(aiohttpretty if entry == "original API" else mock)
            client = Client(**connector)
            async with client.session:
                seen = [await client.fetch(method, url, **kwargs) for method, url, kwargs in requests]
            mock.deactivate()
            check(mock)
        self.assertEqual(guard.attempts, [], "the mock reached for the network")
        return seen

    async def assertLikeTheServer(
        self,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        register: Callable[[Any, str], object],
        paths: list[str],
        entry: str = "mocked()",
        **connector: Any,
    ) -> list[Seen]:
        """Request each of ``paths`` from the server and from the mock; what the
        client sees must be the same."""
        base = await self.serve(handler)
        requests: Requests = [("GET", base + path, {}) for path in paths]
        real = await self.real(requests, **connector)
        mocked = await self.mocked(lambda mock: register(mock, base), requests, entry, **connector)
        self.assertEqual(mocked, real)
        return mocked


async def hello(request: web.Request) -> web.Response:
    return web.Response(body=b"hello", headers=PLAIN)


class DefaultsTest(ServerComparison):
    async def test_fixed_bodies_get_content_length_and_the_connection_is_kept(self):
        bodies: dict[str, tuple[Any, bytes, dict[str, str]]] = {
            "bytes": (b"hello", b"hello", PLAIN),
            "str": ("h\u00e9llo", "h\u00e9llo".encode(), PLAIN),
            "a list of chunks": ([b"he", "ll", b"o"], b"hello", PLAIN),
            "empty": (b"", b"", PLAIN),
        }
        for entry in ("mocked()", "AioHTTPretty()"):
            for name, (body, sent, headers) in bodies.items():
                with self.subTest(entry=entry, body=name):

                    async def handler(
                        request: web.Request, sent: bytes = sent, headers: Any = headers
                    ) -> Any:
                        return web.Response(body=sent, headers=headers)

                    seen = await self.assertLikeTheServer(
                        handler,
                        lambda mock, base, body=body, headers=headers: mock.register_uri(
                            "GET", base + "/x", body=body, headers=headers
                        ),
                        ["/x", "/x"],
                        entry,
                    )
                    self.assertEqual(seen[0].content_length, len(sent))
                    self.assertIn("connection_reuseconn", seen[1].signals)

    async def test_json_body(self):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=json.dumps({"id": 1}).encode(), content_type="application/json")

        seen = await self.assertLikeTheServer(
            handler, lambda mock, base: mock.register_json_uri("GET", base + "/j", body={"id": 1}), ["/j"]
        )
        self.assertEqual(seen[0].content_length, 9)

    async def test_auto_length_false_reads_until_the_connection_closes(self):
        base = await self.serve(hello)
        requests: Requests = [("GET", base + "/x", {})] * 2
        [first, second] = await self.mocked(
            lambda mock: mock.register_uri(
                "GET", base + "/x", body=b"hello", headers=PLAIN, auto_length=False
            ),
            requests,
        )
        self.assertEqual((first.content_length, first.body), (None, b"hello"))
        self.assertIn("connection_create_start", second.signals)

    async def test_a_registered_content_length_is_what_is_sent(self):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=b"hello", headers={**PLAIN, "Content-Length": "5"})

        await self.assertLikeTheServer(
            handler,
            lambda mock, base: mock.register_uri(
                "GET", base + "/x", body=b"hello", headers={**PLAIN, "Content-Length": "5"}
            ),
            ["/x", "/x"],
        )

    async def test_reason_is_the_standard_phrase_of_the_status(self):
        for status in (201, 404, 418, 503, 299):
            with self.subTest(status=status):

                async def handler(request: web.Request, status: int = status) -> web.Response:
                    return web.Response(status=status, body=b"hello", headers=PLAIN)

                seen = await self.assertLikeTheServer(
                    handler,
                    lambda mock, base, status=status: mock.register_uri(
                        "GET", base + "/x", status=status, body=b"hello", headers=PLAIN
                    ),
                    ["/x"],
                )
                self.assertEqual(seen[0].reason, PHRASES.get(status, ""))

    async def test_client_response_error_carries_the_reason(self):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=404)

        base = await self.serve(handler)
        errors = []
        for side in ("server", "mock"):
            with aiohttpretty.mocked() as mock:
                mock.register_uri("GET", base + "/x", status=404)
                if side == "server":
                    mock.deactivate()
                client = Client(resolver=LoopbackResolver())
                async with client.session:
                    with self.assertRaises(aiohttp.ClientResponseError) as caught:
                        await client.fetch("GET", base + "/x", raise_for_status=True)
                errors.append((caught.exception.status, caught.exception.message))
        self.assertEqual(errors, [(404, "Not Found"), (404, "Not Found")])

    async def test_an_explicit_reason_wins(self):
        for reason in ("", "Gone Fishing"):
            with self.subTest(reason=reason):

                async def handler(request: web.Request, reason: str = reason) -> web.Response:
                    return web.Response(status=404, reason=reason, body=b"hello", headers=PLAIN)

                seen = await self.assertLikeTheServer(
                    handler,
                    lambda mock, base, reason=reason: mock.register_uri(
                        "GET", base + "/x", status=404, reason=reason, body=b"hello", headers=PLAIN
                    ),
                    ["/x"],
                )
                self.assertEqual(seen[0].reason, reason)

    async def test_a_callback_s_response_gets_the_same_defaults(self):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=404, body=b"hello", headers=PLAIN)

        await self.assertLikeTheServer(
            handler,
            lambda mock, base: mock.register_uri(
                "GET", base + "/x", callback=lambda call: {"status": 404, "body": b"hello", "headers": PLAIN}
            ),
            ["/x", "/x"],
        )

    async def test_the_original_api_keeps_the_original_s_defaults(self):
        base = await self.serve(hello)
        requests: Requests = [("GET", base + "/x", {}), ("GET", base + "/missing", {})]
        real = await self.real(requests)
        seen = await self.mocked(
            lambda api: (
                api.register_uri("GET", base + "/x", body=b"hello", headers=PLAIN),
                api.register_uri("GET", base + "/missing", status=404),
            ),
            requests,
            "original API",
        )
        # Only the registered headers, and no reason phrase, as the original sent.
        self.assertEqual((seen[0].headers, seen[0].content_length), ([("content-type", "text/plain")], None))
        self.assertEqual((seen[1].status, seen[1].reason), (404, ""))
        self.assertEqual(real[0].content_length, 5)
        # Given explicitly, the server's response.
        requests = [("GET", base + "/x", {})] * 2
        seen = await self.mocked(
            lambda api: api.register_uri(
                "GET", base + "/x", body=b"hello", headers=PLAIN, auto_length=True, reason="OK"
            ),
            requests,
            "original API",
        )
        self.assertEqual(seen, await self.real(requests))

    async def test_a_list_of_chunks_with_auto_length(self):
        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers=PLAIN)
            response.content_length = 5
            await response.prepare(request)
            for chunk in (b"ab", b"cd", b"e"):
                await response.write(chunk)
            await response.write_eof()
            return response

        for entry in ENTRY_POINTS:
            with self.subTest(entry=entry):
                seen = await self.assertLikeTheServer(
                    handler,
                    lambda mock, base: mock.register_uri(
                        "GET",
                        base + "/x",
                        body=[b"ab", b"cd", b"e"],
                        headers=PLAIN,
                        auto_length=True,
                        reason="OK",
                    ),
                    ["/x", "/x"],
                    entry,
                )
                self.assertEqual(seen[0].content_length, 5)


class RequestsAsTheServerReadsThemTest(ServerComparison):
    async def test_a_compressed_upload_is_decoded_for_the_matchers(self):
        received: list[tuple[bytes, Any]] = []

        async def handler(request: web.Request) -> web.Response:
            received.append((await request.read(), await request.json()))
            return web.Response(body=b"ok", headers=PLAIN)

        base = await self.serve(handler)
        for compress in ("deflate", "gzip", True):
            with self.subTest(compress=compress):
                received.clear()
                requests: Requests = [("POST", base + "/up", {"json": {"a": 1}, "compress": compress})]
                real = await self.real(requests)
                [(content, decoded)] = received

                def check(
                    mock: aiohttpretty.AioHTTPretty, content: bytes = content, decoded: Any = decoded
                ) -> None:
                    call = mock.calls.last
                    self.assertEqual((call.content, call.json()), (content, decoded))
                    self.assertNotEqual(call.body, call.content)  # the raw bytes, as sent
                    self.assertEqual(zlib.decompress(call.body, 47), content)
                    mock.assert_called("POST", base + "/up", json={"a": 1})
                    mock.assert_called("POST", base + "/up", data=content)

                seen = await self.mocked(
                    lambda mock: mock.register_uri(
                        "POST", base + "/up", match_json={"a": 1}, body=b"ok", headers=PLAIN
                    ),
                    requests,
                    check=check,
                )
                self.assertEqual(seen, real)

    async def test_a_compressed_form_matches_match_data(self):
        async def handler(request: web.Request) -> web.Response:
            form = await request.post()
            return web.Response(body=form["a"].encode(), headers=PLAIN)

        base = await self.serve(handler)
        requests: Requests = [("POST", base + "/form", {"data": {"a": "b"}, "compress": "deflate"})]
        seen = await self.mocked(
            lambda mock: mock.register_uri(
                "POST", base + "/form", match_data={"a": "b"}, body=b"b", headers=PLAIN
            ),
            requests,
        )
        self.assertEqual(seen, await self.real(requests))

    async def test_kwargs_are_exactly_those_the_code_passed(self):
        async def echo(request: web.Request) -> web.Response:
            return web.Response(body=await request.read(), headers=PLAIN)

        base = await self.serve(echo)
        url = base + "/e"
        cases: list[tuple[str, dict[str, Any]]] = [
            ("post", {"json": {"a": 1}}),
            ("put", {"data": b"x"}),
            ("patch", {}),
            ("get", {}),
            ("get", {"allow_redirects": True}),
            ("head", {}),
            ("options", {"headers": {"X-Id": "1"}}),
            ("delete", {"params": {"q": "1"}}),
        ]
        for verb, kwargs in cases:
            with self.subTest(verb=verb, kwargs=kwargs):
                bodies = []
                for side in ("server", "mock"):
                    with aiohttpretty.mocked() as mock:
                        # Conditions first: the first registered route that matches answers.
                        mock.register_uri(
                            verb.upper(), url, match_json={"a": 1}, body=b'{"a": 1}', headers=PLAIN
                        )
                        mock.register_uri(verb.upper(), url, match_data=b"x", body=b"x", headers=PLAIN)
                        mock.register_uri(
                            verb.upper(), url, params=kwargs.get("params"), body=b"", headers=PLAIN
                        )
                        if side == "server":
                            mock.deactivate()
                        client = Client(resolver=LoopbackResolver())
                        async with client.session:
                            async with getattr(client.session, verb)(url, **kwargs) as response:
                                bodies.append((response.status, await response.read()))
                        if side == "mock":
                            self.assertEqual(mock.calls.last.kwargs, kwargs)
                self.assertEqual(bodies[0], bodies[1])

    async def test_the_mapping_of_a_call_reads_as_the_original_s(self):
        # The original recorded what ClientSession._request received: with the
        # data=None that post() adds.
        with aiohttpretty.mocked() as mock:
            mock.register_uri("POST", "http://api.test/x")
            async with aiohttp.ClientSession() as session:
                async with session.post("http://api.test/x", json={"a": 1}) as response:
                    await response.read()
            call = mock.calls.last
            self.assertEqual(call.kwargs, {"json": {"a": 1}})
            self.assertEqual((call["data"], call["json"]), (None, {"a": 1}))
            self.assertTrue(mock.has_call("http://api.test/x", json={"a": 1}))

    async def test_proxy_auth_is_on_the_recorded_headers_as_a_proxy_receives_it(self):
        received: list[list[tuple[str, str]]] = []

        async def proxy(request: web.Request) -> web.Response:
            received.append(sorted(request.headers.items()))
            return web.Response(body=b"via proxy", headers=PLAIN)

        proxy_url = (await self.serve(proxy)).replace("api.test", "127.0.0.1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # proxy_auth, in aiohttp 3.14
            auth = aiohttp.BasicAuth("user", "secret")
            for name, options in [
                ("proxy_auth", {"proxy_auth": auth}),
                ("proxy_headers", {"proxy_headers": {"Proxy-Authorization": auth.encode(), "X-Via": "1"}}),
            ]:
                with self.subTest(name):
                    received.clear()
                    requests: Requests = [
                        ("GET", "http://origin.test/x", {"proxy": proxy_url, **options})
                    ] * 2
                    real = await self.real(requests)
                    recorded: list[list[tuple[str, str]]] = []
                    seen = await self.mocked(
                        lambda mock: mock.register_uri(
                            "GET", "http://origin.test/x", body=b"via proxy", headers=PLAIN
                        ),
                        requests,
                        check=lambda mock, recorded=recorded: recorded.extend(
                            sorted(call.headers.items()) for call in mock.calls
                        ),
                    )
                    self.assertEqual(seen, real)
                    self.assertEqual(recorded, received)
                    if name == "proxy_auth":
                        self.assertIn(("Proxy-Authorization", auth.encode()), recorded[0])


class DnsSignalsTest(ServerComparison):
    async def test_name_resolution_signals_as_a_connector_sends_them(self):
        async def closing(request: web.Request) -> web.Response:
            response = web.Response(body=b"hello", headers=PLAIN)
            response.force_close()
            return response

        def register(mock: Any, base: str) -> None:
            mock.register_uri("GET", base + "/x", body=b"hello", headers=PLAIN)
            mock.register_uri(
                "GET", base + "/closing", body=b"hello", headers={**PLAIN, "Connection": "close"}
            )

        async def handler(request: web.Request) -> web.Response:
            return await (closing(request) if request.path == "/closing" else hello(request))

        for name, paths, connector in [
            ("first connection, then reused", ["/x", "/x"], {}),
            ("a new connection to a cached name", ["/closing", "/closing", "/x"], {}),
            ("use_dns_cache=False", ["/closing", "/closing"], {"use_dns_cache": False}),
            ("ttl_dns_cache=0", ["/closing", "/closing"], {"ttl_dns_cache": 0}),
        ]:
            with self.subTest(name):
                seen = await self.assertLikeTheServer(handler, register, paths, **connector)
                self.assertIn("dns_resolvehost_start", seen[0].signals)

    async def test_no_resolution_signals_for_an_ip_address(self):
        server = await start_server(hello)
        self.addAsyncCleanup(server.close)
        url = f"http://127.0.0.1:{server.port}/x"
        real = await self.real([("GET", url, {})])
        seen = await self.mocked(
            lambda mock: mock.register_uri("GET", url, body=b"hello", headers=PLAIN), [("GET", url, {})]
        )
        self.assertEqual(seen, real)
        self.assertFalse([signal for signal in seen[0].signals if signal.startswith("dns")])


class RefusalsTest(ServerComparison):
    async def test_a_refused_local_request_names_passthrough(self):
        server = await start_server(hello)
        self.addAsyncCleanup(server.close)
        url = f"http://127.0.0.1:{server.port}/x"
        with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", "http://api.test/x")
            client = Client()
            async with client.session:
                with mock.raises(aiohttpretty.NoRouteMatched) as refused:
                    await client.fetch("GET", url)
        message = str(refused.exception)
        self.assertIn("passthrough = ('127.0.0.1',) on the test case", message)
        self.assertIn("mocked(passthrough=['127.0.0.1'])", message)
        self.assertNotIn("The query is compared", message)
        # Following the hint, the request reaches the server.
        with aiohttpretty.mocked(passthrough=["127.0.0.1"]):
            client = Client()
            async with client.session:
                through = await client.fetch("GET", url)
        self.assertEqual(through, (await self.real([("GET", url, {})]))[0])
        for host in ("localhost", "[::1]", "127.0.0.2"):
            with self.subTest(host=host), aiohttpretty.mocked() as mock:
                client = Client()
                async with client.session:
                    with mock.raises(aiohttpretty.NoRouteMatched, match="passthrough"):
                        await client.fetch("GET", f"http://{host}:8080/x")

    async def test_the_query_footnote_shows_only_when_the_query_differs(self):
        with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", "http://api.test/x", params={"page": 1})
            client = Client()
            async with client.session:
                with mock.raises(aiohttpretty.NoRouteMatched) as by_query:
                    await client.fetch("GET", "http://api.test/x?page=2")
                with mock.raises(aiohttpretty.NoRouteMatched) as by_path:
                    await client.fetch("GET", "http://api.test/y?page=1")
        self.assertIn("The query is compared as a set", str(by_query.exception))
        self.assertNotIn("The query is compared", str(by_path.exception))
        self.assertNotIn("passthrough", str(by_path.exception))
        self.assertNotIn("websocket", str(by_path.exception))

    async def test_a_websocket_handshake_fails_clearly(self):
        async def refusing(request: web.Request) -> web.Response:
            return web.Response(status=403, body=b"no", headers=PLAIN)

        base = await self.serve(refusing)
        failures = []
        for side in ("server", "mock"):
            with aiohttpretty.mocked() as mock:
                # A websocket route refusing the handshake, as the server does.
                mock.register_websocket(base + "/ws", status=403, body=b"no", headers=PLAIN)
                if side == "server":
                    mock.deactivate()
                client = Client(resolver=LoopbackResolver())
                async with client.session:
                    with self.assertRaises(aiohttp.WSServerHandshakeError) as caught:
                        await client.session.ws_connect(base + "/ws")
                failures.append((caught.exception.status, client.signals))
        self.assertEqual(failures[0], failures[1])

        def accept(call: aiohttpretty.Call) -> dict[str, Any]:
            return {"status": 101, "headers": {"Upgrade": "websocket", "Connection": "Upgrade"}}

        with aiohttpretty.mocked() as mock:
            # A canned 101 would close the connection under aiohttp's websocket
            # (a bare AssertionError inside aiohttp): it is refused instead.
            with self.assertRaisesRegex(ValueError, "101 is an interim"):
                mock.register_uri(
                    "GET", "http://api.test/static", status=101, headers={"Upgrade": "websocket"}
                )
            mock.register_uri("GET", "http://api.test/callback", callback=accept)
            async with aiohttp.ClientSession() as session:
                # An HTTP route does not answer a websocket handshake: a websocket route does.
                with mock.raises(aiohttpretty.NoRouteMatched, match="an HTTP route"):
                    await session.ws_connect("http://api.test/callback")
                with mock.raises(aiohttpretty.NoRouteMatched) as refused:
                    await session.ws_connect("http://api.test/unregistered")
            self.assertIn("answer it with register_websocket(uri, handler)", str(refused.exception))
            self.assertIn("register_websocket", str(refused.exception))


class TestCaseDefaultsTest(aiohttpretty.AioHTTPrettyTestCase):
    """The test case's registrations answer as the server (``real.test`` passes
    through to it)."""

    passthrough = ("real.test",)

    async def test_like_the_server(self):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=int(request.query["status"]), body=b"hello", headers=PLAIN)

        server = await start_server(handler)
        self.addAsyncCleanup(server.close)
        for status in (200, 404):
            with self.subTest(status=status):
                path = f":{server.port}/x?status={status}"
                self.register_uri(
                    "GET", "http://api.test" + path, status=status, body=b"hello", headers=PLAIN
                )
                client = Client(resolver=LoopbackResolver())
                async with client.session:
                    seen = [await client.fetch("GET", f"http://{host}{path}") for host in ("api.test",) * 2]
                    real = [await client.fetch("GET", f"http://{host}{path}") for host in ("real.test",) * 2]
                self.assertEqual(seen, real)
                self.assertEqual((seen[0].content_length, seen[0].reason), (5, PHRASES[status]))

"""Websocket routes: aiohttp's own websocket client (``session.ws_connect``)
against mocked websockets, through the test case, the mock, the module-level
API and ``mocked()``.  Plain unittest, runnable without pytest.

How the same conversations go against a real ``aiohttp.web`` server is in
``test_websocket_fidelity``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import unittest
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

import aiohttpretty
from aiohttpretty import WebSocket

from .realserver import start_websocket_server
from .test_testcase import message, reports, run_case

CHAT = "ws://chat.test/room"


class WebSocketRoutesTest(aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.session = aiohttp.ClientSession()
        self.addAsyncCleanup(self.session.close)

    async def test_echo(self):
        self.register_websocket(CHAT, echo=True)
        async with self.session.ws_connect(CHAT) as ws:
            await ws.send_str("hello")
            self.assertEqual(await ws.receive_str(), "hello")
            await ws.send_bytes(b"\x00\x01")
            self.assertEqual(await ws.receive_bytes(), b"\x00\x01")
            await ws.send_json({"a": [1, 2]})
            self.assertEqual(await ws.receive_json(), {"a": [1, 2]})
        self.assertEqual(ws.close_code, 1000)

    async def test_an_ended_websocket_leaves_nothing_to_the_garbage_collector(self):
        self.register_websocket(CHAT, echo=True)
        gc.collect()
        gc.disable()
        try:
            for _ in range(3):
                async with self.session.ws_connect(CHAT):
                    pass
            for _ in range(5):
                await asyncio.sleep(0)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            left = [type(o).__name__ for o in gc.garbage if isinstance(o, (WebSocket, asyncio.Transport))]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
        self.assertEqual(left, [])  # freed as they ended: no reference cycle

    async def test_scripted_messages_then_a_close(self):
        self.register_websocket(CHAT, messages=["welcome", b"\xff", {"n": 1}], close=(4000, "bye"))
        async with self.session.ws_connect(CHAT) as ws:
            received = [(msg.type, msg.data) async for msg in ws]
            self.assertEqual(ws.close_code, 4000)
        self.assertEqual(
            received, [(WSMsgType.TEXT, "welcome"), (WSMsgType.BINARY, b"\xff"), (WSMsgType.TEXT, '{"n": 1}')]
        )
        self.assertEqual(self.websockets[0].sent[-1].data, 4000)
        self.assertEqual(self.websockets[0].sent[-1].extra, "bye")

    async def test_scripted_messages_then_echo_until_the_client_closes(self):
        self.register_websocket(CHAT, messages=["welcome"], echo=True)
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(await ws.receive_str(), "welcome")
            await ws.send_str("x")
            self.assertEqual(await ws.receive_str(), "x")
            await ws.close(code=4001, message=b"done")
        self.assertEqual(ws.close_code, 1000)  # the server answers with 1000, as aiohttp's does
        conversation = self.websockets[0]
        self.assertEqual(
            [(m.sender, m.type, m.data) for m in conversation.messages],
            [
                ("server", WSMsgType.TEXT, "welcome"),
                ("client", WSMsgType.TEXT, "x"),
                ("server", WSMsgType.TEXT, "x"),
                ("client", WSMsgType.CLOSE, 4001),
                ("server", WSMsgType.CLOSE, 1000),
            ],
        )
        self.assertEqual(conversation.received[-1].extra, "done")
        self.assertEqual(conversation.close_code, 4001)
        self.assertTrue(conversation.closed)

    async def test_a_handler_gets_the_server_side(self):
        seen: dict[str, Any] = {}

        async def handler(ws: WebSocket) -> None:
            seen["ws"] = ws
            seen["token"] = ws.request.headers["Authorization"]
            seen["query"] = dict(ws.request.url.query)
            await ws.send_str("who are you?")
            seen["name"] = await ws.receive_str()
            seen["json"] = await ws.receive_json()
            seen["bytes"] = await ws.receive_bytes()
            async for msg in ws:
                await ws.send_str(f"{seen['name']}: {msg.data}")
            seen["closed"] = ws.closed

        self.register_websocket(CHAT, handler, match_params_partial=True)
        async with self.session.ws_connect(CHAT, params={"v": "2"}, headers={"Authorization": "t0k"}) as ws:
            self.assertEqual(await ws.receive_str(), "who are you?")
            await ws.send_str("ann")
            await ws.send_json([1])
            await ws.send_bytes(b"b")
            await ws.send_str("hi")
            self.assertEqual(await ws.receive_str(), "ann: hi")
        self.assertEqual(
            {key: seen[key] for key in ("token", "query", "name", "json", "bytes", "closed")},
            {"token": "t0k", "query": {"v": "2"}, "name": "ann", "json": [1], "bytes": b"b", "closed": True},
        )
        self.assertIs(seen["ws"].request, self.calls.last)
        self.assertEqual(seen["ws"].close_code, 1000)
        self.assertCalled("GET", CHAT, params={"v": "2"}, headers={"Upgrade": "websocket"})

    async def test_the_handler_returning_closes_the_websocket(self):
        async def handler(ws: WebSocket) -> None:
            await ws.send_str("one")

        self.register_websocket(CHAT, handler)
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(await ws.receive_str(), "one")
            msg = await ws.receive()
            self.assertEqual((msg.type, msg.data), (WSMsgType.CLOSE, 1000))
            self.assertEqual((await ws.receive()).type, WSMsgType.CLOSED)
        self.assertTrue(ws.closed)

    async def test_the_server_closes_with_a_code_and_message(self):
        async def handler(ws: WebSocket) -> None:
            self.assertTrue(await ws.close(code=4321, message=b"go away"))
            self.assertFalse(await ws.close())
            self.assertEqual(ws.close_code, 1000)  # the client answered with 1000

        self.register_websocket(CHAT, handler)
        async with self.session.ws_connect(CHAT) as ws:
            msg = await ws.receive()
        self.assertEqual((msg.type, msg.data, msg.extra), (WSMsgType.CLOSE, 4321, "go away"))
        self.assertEqual(ws.close_code, 4321)

    async def test_ping_pong_both_ways(self):
        async def handler(ws: WebSocket) -> None:
            await ws.ping(b"are you there")
            async for msg in ws:  # pings and pongs are answered by receive() itself
                await ws.send_str(msg.data)

        self.register_websocket(CHAT, handler)
        async with self.session.ws_connect(CHAT) as ws:
            await ws.ping(b"me?")
            await ws.send_str("x")
            self.assertEqual(await ws.receive_str(), "x")  # answers the server's ping on the way
        messages = [(m.sender, m.type, m.data) for m in self.websockets[0].messages]
        for expected in (
            ("server", WSMsgType.PING, b"are you there"),
            ("client", WSMsgType.PONG, b"are you there"),
            ("client", WSMsgType.PING, b"me?"),
            ("server", WSMsgType.PONG, b"me?"),
        ):
            self.assertIn(expected, messages)
        self.assertLess(
            messages.index(("client", WSMsgType.PING, b"me?")),
            messages.index(("server", WSMsgType.PONG, b"me?")),
        )

    async def test_the_clients_heartbeat_is_answered(self):
        async def handler(ws: WebSocket) -> None:
            async for _ in ws:
                pass

        self.register_websocket(CHAT, handler)
        async with self.session.ws_connect(CHAT, heartbeat=0.2) as ws:
            receiving = asyncio.ensure_future(ws.receive())
            await asyncio.sleep(0.7)  # several heartbeats come and go meanwhile
            self.assertFalse(receiving.done())
            self.assertFalse(ws.closed)
            await ws.close()
            await receiving
        self.assertEqual(ws.close_code, 1000)
        pings = [m for m in self.websockets[0].received if m.type is WSMsgType.PING]
        pongs = [m for m in self.websockets[0].sent if m.type is WSMsgType.PONG]
        self.assertGreaterEqual(len(pings), 2)
        self.assertEqual(len(pongs), len(pings))

    async def test_autoping_off_gives_the_handler_the_pings(self):
        got = []

        async def handler(ws: WebSocket) -> None:
            got.append(await ws.receive())

        self.register_websocket(CHAT, handler, autoping=False)
        async with self.session.ws_connect(CHAT) as ws:
            await ws.ping(b"p")
            self.assertEqual((await ws.receive()).type, WSMsgType.CLOSE)
        self.assertEqual([(m.type, m.data) for m in got], [(WSMsgType.PING, b"p")])

    async def test_fragmented_messages_are_joined_by_the_client(self):
        async def handler(ws: WebSocket) -> None:
            await ws.send_fragments(["hel", "lo ", "wörld"])
            await ws.send_fragments([b"\x00", b"\x01"])

        self.register_websocket(CHAT, handler)
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(await ws.receive_str(), "hello wörld")
            self.assertEqual(await ws.receive_bytes(), b"\x00\x01")
        self.assertEqual([m.data for m in self.websockets[0].sent[:2]], ["hello wörld", b"\x00\x01"])

    async def test_subprotocol_negotiation(self):
        self.register_websocket(CHAT, echo=True, protocols=("v2.chat", "v1.chat"))
        async with self.session.ws_connect(CHAT, protocols=("v3.chat", "v1.chat", "v2.chat")) as ws:
            self.assertEqual(ws.protocol, "v1.chat")
        async with self.session.ws_connect(CHAT, protocols=("v9",)) as ws:
            self.assertIsNone(ws.protocol)
        async with self.session.ws_connect(CHAT) as ws:
            self.assertIsNone(ws.protocol)
        self.assertEqual([c.protocol for c in self.websockets], ["v1.chat", None, None])
        self.assertEqual(
            [c.requested_protocols for c in self.websockets], [("v3.chat", "v1.chat", "v2.chat"), ("v9",), ()]
        )

    async def test_compression_when_the_client_asks(self):
        big = "compressible " * 5000
        self.register_websocket(CHAT, echo=True)
        async with self.session.ws_connect(CHAT, compress=15) as ws:
            self.assertEqual(ws.compress, 15)
            await ws.send_str(big)
            self.assertEqual(await ws.receive_str(), big)
        self.assertEqual(self.websockets[0].compress, 15)
        self.assertEqual(self.websockets[0].sent[0].data, big)

    async def test_compression_declined_by_the_route(self):
        self.register_websocket(CHAT, echo=True, compress=False)
        async with self.session.ws_connect(CHAT, compress=15) as ws:
            self.assertEqual(ws.compress, 0)
            await ws.send_str("x")
            self.assertEqual(await ws.receive_str(), "x")

    async def test_a_refusing_route(self):
        self.register_websocket(CHAT, status=403, headers={"X-Why": "banned"}, body="no entry")
        with self.assertRaises(aiohttp.WSServerHandshakeError) as caught:
            await self.session.ws_connect(CHAT)
        self.assertEqual(caught.exception.status, 403)
        self.assertEqual(caught.exception.headers["X-Why"], "banned")
        self.assertEqual(self.websockets, [])
        self.assertCallCount("GET", CHAT, 1)

    async def test_extra_headers_go_into_the_101(self):
        self.register_websocket(CHAT, echo=True, headers={"X-Server": "mock"})
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(ws._response.headers["X-Server"], "mock")

    async def test_conditions_choose_the_route(self):
        self.register_websocket(CHAT, messages=["admin"], close=1000, match_headers={"X-Role": "admin"})
        self.register_websocket(CHAT, messages=["guest"], close=1000)
        for role, expected in (("admin", "admin"), ("guest", "guest")):
            async with self.session.ws_connect(CHAT, headers={"X-Role": role}) as ws:
                self.assertEqual(await ws.receive_str(), expected)

    async def test_times_and_registering_again(self):
        self.register_websocket(CHAT, messages=["first"], close=1000, times=1)
        self.register_websocket(CHAT + "2", messages=["a"], close=1000)
        self.register_websocket(CHAT + "2", messages=["b"], close=1000)  # replaces the one before
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(await ws.receive_str(), "first")
        async with self.session.ws_connect(CHAT + "2") as ws:
            self.assertEqual(await ws.receive_str(), "b")
        with self.aiohttpretty.raises(aiohttpretty.NoRouteMatched, match="already answered 1 of 1"):
            await self.session.ws_connect(CHAT)

    async def test_a_websocket_and_an_http_route_at_one_url(self):
        self.register_uri("GET", "http://chat.test/room", body=b"a page")
        self.register_websocket("http://chat.test/room", messages=["a websocket"], close=1000)
        async with self.session.get("http://chat.test/room") as response:
            self.assertEqual(await response.read(), b"a page")
        async with self.session.ws_connect("http://chat.test/room") as ws:
            self.assertEqual(await ws.receive_str(), "a websocket")

    async def test_an_upgrade_to_an_unregistered_url_is_refused_naming_the_http_route(self):
        self.register_uri("GET", CHAT, body=b"not a websocket")
        with self.assertRaises(aiohttpretty.NoRouteMatched) as caught:
            await self.session.ws_connect(CHAT)
        text = str(caught.exception)
        self.assertIn(
            "No websocket route matches GET ws://chat.test/room (a websocket upgrade request).", text
        )
        self.assertIn("GET ws://chat.test/room: an HTTP route, and this is a websocket upgrade request", text)
        self.assertIn("register_websocket()", text)
        self.assertEqual(self.aiohttpretty.unmatched, [])  # expected by assertRaises

    async def test_a_plain_request_to_a_websocket_route_is_refused(self):
        self.register_websocket(CHAT, echo=True)
        with self.assertRaisesRegex(
            aiohttpretty.NoRouteMatched,
            re.escape(
                "GET ws://chat.test/room (websocket): a websocket route, which answers websocket upgrade"
            ),
        ):
            await self.session.get(CHAT)

    async def test_a_registered_app_answers_upgrades_no_websocket_route_matches(self):
        async def view(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for msg in ws:
                await ws.send_str("app: " + msg.data)
            return ws

        app = web.Application()
        app.router.add_get("/{path:.*}", view)
        self.register_app("http://chat.test", app)
        self.register_websocket("http://chat.test/routed", echo=True)
        for path, expected in (("/routed", "x"), ("/other", "app: x")):
            async with self.session.ws_connect("http://chat.test" + path) as ws:
                await ws.send_str("x")
                self.assertEqual(await ws.receive_str(), expected)
        self.assertEqual([str(c.request.url) for c in self.websockets], ["http://chat.test/routed"])

    async def test_nothing_registered(self):
        with self.assertRaisesRegex(aiohttpretty.NoRouteMatched, r"register one with register_websocket\(\)"):
            await self.session.ws_connect(CHAT)

    async def test_the_clients_max_msg_size(self):
        self.register_websocket(CHAT, messages=["x" * 2000])
        async with self.session.ws_connect(CHAT, max_msg_size=1000) as ws:
            msg = await ws.receive()
            self.assertEqual(msg.type, WSMsgType.ERROR)
            self.assertIsInstance(msg.data, aiohttp.WebSocketError)
            self.assertEqual(msg.data.code, 1009)
        self.assertEqual(self.websockets[0].received[-1].data, 1009)

    async def test_the_routes_max_msg_size(self):
        self.register_websocket(CHAT, echo=True, max_msg_size=1000)
        async with self.session.ws_connect(CHAT) as ws:
            await ws.send_str("x" * 1001)
            msg = await ws.receive()
        self.assertEqual((msg.type, msg.data), (WSMsgType.CLOSE, 1009))
        self.assertEqual(ws.close_code, 1009)

    async def test_large_messages(self):
        big = bytes(range(256)) * 20000  # 5 MB in one frame
        self.register_websocket(CHAT, echo=True, max_msg_size=0)
        async with self.session.ws_connect(CHAT, max_msg_size=0) as ws:
            await ws.send_bytes(big)
            self.assertEqual(await ws.receive_bytes(), big)

    async def test_receive_timeout_of_the_route(self):
        timeouts = []

        async def handler(ws: WebSocket) -> None:
            try:
                await ws.receive()
            except TimeoutError:
                timeouts.append(True)
                await ws.send_str("too slow")

        self.register_websocket(CHAT, handler, receive_timeout=0.01)
        async with self.session.ws_connect(CHAT) as ws:
            self.assertEqual(await ws.receive_str(), "too slow")
        self.assertEqual(timeouts, [True])

    async def test_module_level_functions_act_on_the_tests_mock(self):
        route = aiohttpretty.register_websocket(CHAT, echo=True)
        async with self.session.ws_connect(CHAT) as ws:
            await ws.send_str("x")
            await ws.receive()
        self.assertEqual(route.call_count, 1)
        self.assertIs(aiohttpretty.websockets, self.websockets)
        self.assertEqual(len(aiohttpretty.websockets), 1)

    async def test_assertions_that_hold(self):
        self.register_websocket(CHAT, echo=True, messages=["hi"], params={"room": 1})
        async with self.session.ws_connect(CHAT + "?room=1") as ws:
            await ws.receive()
            await ws.send_str("hello")
            await ws.send_json({"op": "join"})
            await ws.send_bytes(b"raw")
            await ws.ping()
            for _ in range(3):
                await ws.receive()
        self.assertWebSocketReceived(CHAT, "hello", params={"room": 1})
        self.assertWebSocketReceived(CHAT, json={"op": "join"}, check_params=False)
        self.assertWebSocketReceived(CHAT + "?room=1", b"raw")
        self.assertWebSocketReceived(CHAT + "?room=1", type=WSMsgType.PING)
        self.assertWebSocketReceived(CHAT + "?room=1", 1000, type=WSMsgType.CLOSE)
        self.assertWebSocketSent(CHAT + "?room=1", "hi")
        self.assertWebSocketSent(CHAT + "?room=1", json={"op": "join"})
        self.aiohttpretty.assert_websocket_received(CHAT + "?room=1", "hello")
        self.aiohttpretty.assert_websocket_sent(CHAT + "?room=1", b"raw")

    def test_bad_options_are_refused_and_register_nothing(self):
        async def handler(ws: WebSocket) -> None:
            pass

        def sync_handler(ws: WebSocket) -> None:
            pass

        cases: list[tuple[dict[str, Any], type[Exception], str]] = [
            ({"mesages": ["x"]}, TypeError, "unknown option 'mesages' (did you mean 'messages'?)"),
            ({"handler": sync_handler}, TypeError, "handler must be an async function"),
            ({"handler": handler, "echo": True}, ValueError, "give a handler, or messages="),
            ({"messages": "hello"}, TypeError, "messages must be a list"),
            ({"messages": [object()]}, TypeError, "messages[0] must be str"),
            ({"close": 999}, ValueError, "close must be a close code"),
            ({"close": (1000, "x" * 124)}, ValueError, "at most 123 bytes"),
            ({"protocols": "chat"}, TypeError, "protocols must be a list"),
            ({"status": 101}, ValueError, "status is the status refusing the handshake"),
            ({"body": "x"}, ValueError, "body and reason go with status="),
            ({"echo": 1}, TypeError, "echo must be True or False"),
            ({"max_msg_size": -1}, TypeError, "max_msg_size must be an int >= 0"),
            ({"timeout": 0}, TypeError, "timeout must be a number of seconds > 0"),
            ({"match_json": {}}, TypeError, "unknown option 'match_json'"),
            ({"times": 0}, ValueError, "times must be at least 1"),
        ]
        for options, error, text in cases:
            with self.subTest(options=options):
                with self.assertRaisesRegex(error, re.escape(text)):
                    self.register_websocket(CHAT, **options)
        with self.assertRaisesRegex(ValueError, "must be an absolute http"):
            self.register_websocket("chat.test/room")
        self.assertEqual(len(self.aiohttpretty.registry), 0)


class AssertionMessagesTest(unittest.TestCase):
    def test_failures_show_the_conversation(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def asyncSetUp(self):
                await super().asyncSetUp()
                self.register_websocket(CHAT, echo=True)
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(CHAT) as ws:
                        await ws.send_str("hello")
                        await ws.receive()

            async def test_received(self):
                self.assertWebSocketReceived(CHAT, "goodbye")

            async def test_sent(self):
                self.assertWebSocketSent(CHAT, json={"a": 1})

            async def test_no_websocket(self):
                self.assertWebSocketReceived("ws://chat.test/other", "hello")

            async def test_msg(self):
                self.assertWebSocketReceived(CHAT, b"hello", msg="custom words")

        found = reports(run_case(Inner))
        self.assertEqual(
            message(found["test_received"][0][1]).strip(),
            "Expected a websocket to ws://chat.test/room to have received TEXT 'goodbye' from the client.\n"
            "Its conversation:\n"
            "  GET ws://chat.test/room:\n"
            "    client: TEXT 'hello'\n"
            "    server: TEXT 'hello'\n"
            "    client: CLOSE 1000\n"
            "    server: CLOSE 1000",
        )
        self.assertIn("to have sent a message with JSON {'a': 1} to the client.", found["test_sent"][0][1])
        self.assertIn(
            "Expected a websocket to ws://chat.test/other to have received TEXT 'hello' from the client.\n"
            "No websocket was opened to it. Websockets opened: ws://chat.test/room.",
            found["test_no_websocket"][0][1],
        )
        self.assertIn("BINARY b'hello'", found["test_msg"][0][1])
        self.assertIn("custom words", found["test_msg"][0][1])

    def test_an_expectation_is_needed(self):
        mock = aiohttpretty.AioHTTPretty()
        with self.assertRaisesRegex(TypeError, "give the message expected"):
            mock.assert_websocket_received(CHAT)
        with self.assertRaisesRegex(TypeError, "use json= for data sent as JSON"):
            mock.assert_websocket_received(CHAT, {"a": 1})


class OtherEntryPointsTest(unittest.IsolatedAsyncioTestCase):
    async def test_mocked_block(self):
        async with aiohttpretty.mocked() as mock:
            mock.register_websocket(CHAT, messages=["hi"], close=1000)
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(CHAT) as ws:
                    self.assertEqual(await ws.receive_str(), "hi")
            mock.assert_websocket_sent(CHAT, "hi")

    async def test_a_private_mock(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.register_websocket(CHAT, echo=True)
        mock.activate()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(CHAT) as ws:
                    await ws.send_str("x")
                    self.assertEqual(await ws.receive_str(), "x")
        finally:
            mock.deactivate()
        self.assertEqual(len(mock.websockets), 1)
        mock.clear()
        self.assertEqual((mock.websockets, mock.errors, list(mock.calls)), ([], [], []))

    async def test_passthrough_reaches_a_real_websocket_server(self):
        async def handler(ws: web.WebSocketResponse) -> None:
            async for msg in ws:
                await ws.send_str("real " + msg.data)

        server = await start_websocket_server(handler)
        self.addAsyncCleanup(server.close)
        async with aiohttpretty.mocked(passthrough=["127.0.0.1"]) as mock:
            mock.register_websocket(CHAT, echo=True)
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(server.make_url("/ws")) as ws:
                    await ws.send_str("x")
                    self.assertEqual(await ws.receive_str(), "real x")
                async with session.ws_connect(CHAT) as ws:
                    await ws.send_str("x")
                    self.assertEqual(await ws.receive_str(), "x")
            self.assertEqual([str(c.request.url) for c in mock.websockets], [CHAT])

    async def test_optional_and_named_websocket_routes(self):
        with self.assertRaises(AssertionError) as failure:
            async with aiohttpretty.mocked(assert_all_called=True) as mock:
                mock.register_websocket(CHAT, echo=True, optional=True)
                mock.register_websocket("ws://chat.test/lobby", echo=True)
        self.assertIn("ws://chat.test/lobby", str(failure.exception))
        self.assertNotIn(CHAT, str(failure.exception))  # optional: not required
        async with aiohttpretty.mocked(assert_all_called=True) as mock:
            mock.register_websocket(CHAT, messages=["old"], close=1000, name="chat")
            route = mock.register_websocket(CHAT, messages=["new"], close=1000, name="chat")
            self.assertIs(mock.route("chat"), route)
            self.assertEqual(len(mock.registry.routes()), 1)  # the name replaced the first
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(CHAT) as ws:
                    self.assertEqual(await ws.receive_str(), "new")
            mock.remove("chat")
            self.assertEqual(len(mock.registry.routes()), 0)
        with self.assertRaisesRegex(TypeError, "optional must be True or False"):
            aiohttpretty.AioHTTPretty().register_websocket(CHAT, echo=True, optional="yes")
        with self.assertRaisesRegex(TypeError, "name must be a non-empty str"):
            aiohttpretty.AioHTTPretty().register_websocket(CHAT, echo=True, name="")


class LeakingTestCase(aiohttpretty.AioHTTPrettyTestCase):
    """A test case whose tests may end with a websocket open (:meth:`leak`);
    it is closed after the verdict, before the test's event loop closes."""

    def _callSetUp(self) -> None:
        self.leaked: list[tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]] = []
        # Cleanups run last-in first-out: this one after the verdict and the restore.
        self.addAsyncCleanup(self._close_leaked)
        super()._callSetUp()

    async def leak(self, url: str) -> None:
        session = aiohttp.ClientSession()
        self.leaked.append((session, await session.ws_connect(url)))
        await asyncio.sleep(0)

    async def _close_leaked(self) -> None:
        for session, ws in self.leaked:
            await ws.close()
            await session.close()


class TeardownTest(unittest.TestCase):
    """A handler that failed, or still ran, fails the test at its end."""

    def test_a_handler_that_raises_closes_with_1011_and_fails_the_test(self):
        class Inner(aiohttpretty.AioHTTPrettyTestCase):
            async def test_swallowed(self):
                async def handler(ws: WebSocket) -> None:
                    await ws.receive()
                    raise ValueError("the handler broke")

                self.register_websocket(CHAT, handler)
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(CHAT) as ws:
                        await ws.send_str("x")
                        msg = await ws.receive()
                self.assertEqual((msg.type, msg.data), (WSMsgType.CLOSE, 1011))
                self.assertEqual(msg.extra, "the mocked handler raised ValueError")
                self.assertEqual(ws.close_code, 1011)

        found = reports(run_case(Inner))
        [(kind, text)] = found["test_swallowed"]
        self.assertEqual(kind, "failure")
        self.assertIn("Mocked responders failed:", text)
        self.assertIn("websocket handler ", text)
        self.assertIn(
            "handler() of GET ws://chat.test/room (websocket) (request GET ws://chat.test/room):", text
        )
        self.assertIn('raise ValueError("the handler broke")', text)
        self.assertIn("ValueError: the handler broke", text)

    def test_a_handler_still_running_is_cancelled_and_reported(self):
        cancelled = []

        class Inner(LeakingTestCase):
            async def test_left_open(self):
                async def handler(ws: WebSocket) -> None:
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        cancelled.append(True)
                        raise

                self.register_websocket(CHAT, handler)
                await self.leak(CHAT)

            async def test_closed_in_time(self):
                async def handler(ws: WebSocket) -> None:
                    await ws.receive()

                self.register_websocket(CHAT, handler)
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(CHAT):
                        pass

        found = reports(run_case(Inner))
        self.assertNotIn("test_closed_in_time", found)
        [(kind, text)] = found["test_left_open"]
        self.assertEqual(kind, "failure")
        self.assertIn("it was still running when the test ended, and was cancelled", text)
        self.assertIn("await asyncio.sleep(3600)", text)
        self.assertEqual(cancelled, [True])

    def test_a_skipped_test_gets_no_verdict_but_its_handlers_stop(self):
        cancelled = []

        class Inner(LeakingTestCase):
            async def test_skipped(self):
                async def handler(ws: WebSocket) -> None:
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        cancelled.append(True)
                        raise

                self.register_websocket(CHAT, handler)
                await self.leak(CHAT)
                self.skipTest("skipped")

        result = run_case(Inner)
        self.assertEqual((len(result.skipped), result.failures, result.errors), (1, [], []))
        self.assertEqual(cancelled, [True])

    def test_a_handler_cancelled_by_someone_else_its_websocket_open_is_reported(self):
        async def handler(ws: WebSocket) -> None:
            await asyncio.sleep(3600)

        async def main() -> None:
            still_open = "it was cancelled while its connection was still open"
            with self.assertRaisesRegex(AssertionError, still_open):
                async with aiohttpretty.mocked() as mock:
                    mock.register_websocket(CHAT, handler)
                    async with aiohttp.ClientSession() as session:
                        async with session.ws_connect(CHAT):
                            await asyncio.sleep(0)
                            # As the end of its event loop would (asyncio.run returning).
                            [serving] = [t for t in asyncio.all_tasks() if "_serve" in repr(t.get_coro())]
                            serving.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await serving

        asyncio.run(main())

    def test_mocked_fails_a_block_whose_handler_raised(self):
        async def main() -> None:
            async def handler(ws: WebSocket) -> None:
                raise KeyError("k")

            async with aiohttpretty.mocked() as mock:
                mock.register_websocket(CHAT, handler)
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(CHAT) as ws:
                        await ws.receive()

        with self.assertRaisesRegex(AssertionError, r"(?s)Mocked responders failed:.*KeyError: 'k'"):
            asyncio.run(main())

    def test_the_errors_are_recorded_on_the_mock(self):
        mock = aiohttpretty.AioHTTPretty()

        async def handler(ws: WebSocket) -> None:
            raise RuntimeError("x")

        async def main() -> None:
            mock.register_websocket(CHAT, handler)
            mock.activate()
            try:
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(CHAT) as ws:
                        await ws.receive()
            finally:
                mock.deactivate()

        asyncio.run(main())
        [error] = mock.errors
        self.assertIsInstance(error.exception, RuntimeError)
        self.assertIs(error.call, mock.calls[0])
        self.assertIn("RuntimeError: x", error.traceback)
        self.assertIn("RuntimeError", repr(error))


if __name__ == "__main__":
    unittest.main()

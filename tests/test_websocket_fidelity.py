"""Mocked websockets against real ones: each conversation is held twice, with
the same handler and the same client code, once against a websocket route and
once against an ``aiohttp.web`` websocket server on 127.0.0.1; what the client
saw (messages, close codes, exceptions) and what the handler saw must be the
same.  Plain unittest, runnable without pytest.
"""

from __future__ import annotations

import asyncio
import struct
import unittest
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import WSMsgType

import aiohttpretty

from .realserver import start_websocket_server

Seen = list[Any]
Handler = Callable[[Any, Seen], Awaitable[None]]
Client = Callable[[aiohttp.ClientWebSocketResponse, Seen], Awaitable[None]]
MOCKED_URL = "http://chat.test/chat"


def describe(msg: aiohttp.WSMessage) -> tuple[Any, ...]:
    """A message as both runs can compare it (an error by its type and code)."""
    data = msg.data
    if isinstance(data, BaseException):
        data = (type(data).__name__, getattr(data, "code", None))
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    return (msg.type, data, msg.extra or None)


def error_name(exc: BaseException | None) -> str | None:
    return None if exc is None else type(exc).__name__


async def receive_all(ws: Any, seen: Seen) -> None:
    """Read until the websocket closes, noting each message."""
    while True:
        msg = await ws.receive()
        seen.append(describe(msg))
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return


def frame(opcode: int, payload: bytes, fin: bool) -> bytes:
    """An unmasked frame, as a server writes it."""
    return struct.pack("!BB", (0x80 if fin else 0) | opcode, len(payload)) + payload


async def send_fragments(ws: Any, fragments: list[bytes], opcode: int) -> None:
    """One message in several frames, on either server."""
    if isinstance(ws, aiohttpretty.WebSocket):
        await ws.send_fragments([f.decode() for f in fragments] if opcode == 1 else fragments)
        return
    for number, piece in enumerate(fragments):  # aiohttp.web has no API for it: write the frames
        ws._writer.transport.write(frame(opcode if number == 0 else 0, piece, number == len(fragments) - 1))


def close_timeout(seconds: float) -> Any:
    """``ws_connect(timeout=...)`` for the close handshake, in this aiohttp's form."""
    if hasattr(aiohttp, "ClientWSTimeout"):
        return {"timeout": aiohttp.ClientWSTimeout(ws_close=seconds)}
    return {"timeout": seconds}


class FidelityTest(unittest.IsolatedAsyncioTestCase):
    async def converse(
        self,
        handler: Handler,
        client: Client,
        *,
        server: dict[str, Any] | None = None,
        connect: dict[str, Any] | None = None,
        refuse: dict[str, Any] | None = None,
        handled: bool = True,
    ) -> tuple[Seen, Seen]:
        """The conversation against both servers: ``(what the client saw, what
        the handler saw)``, checked to be the same; the real one is returned.
        ``handled=False``: the handshake fails, no handler runs."""
        handled = handled and not refuse
        outcomes = []
        for mocked in (False, True):
            handler_saw: Seen = []
            done = asyncio.Event()

            async def run(ws: Any, handler_saw: Seen = handler_saw, done: asyncio.Event = done) -> None:
                try:
                    await handler(ws, handler_saw)
                finally:
                    done.set()

            if mocked:
                async with aiohttpretty.mocked() as mock:
                    mock.register_websocket(MOCKED_URL, run, **(server or {}), **(refuse or {}))
                    client_saw = await self.connect(MOCKED_URL, client, connect)
                    if handled:
                        await asyncio.wait_for(done.wait(), 5)
            else:
                real = await start_websocket_server(run, **(server or {}), **(refuse or {}))
                try:
                    client_saw = await self.connect(str(real.make_url("/chat")), client, connect)
                    if handled:
                        await asyncio.wait_for(done.wait(), 5)
                finally:
                    await real.close()
            outcomes.append((client_saw, handler_saw))
        (real_client, real_handler), (mocked_client, mocked_handler) = outcomes
        self.assertEqual(mocked_client, real_client, "the client saw another conversation")
        self.assertEqual(mocked_handler, real_handler, "the handler saw another conversation")
        return real_client, real_handler

    async def connect(self, url: str, client: Client, connect: dict[str, Any] | None) -> Seen:
        seen: Seen = []
        async with aiohttp.ClientSession() as session:
            try:
                ws = await session.ws_connect(url, **(connect or {}))
            except aiohttp.WSServerHandshakeError as exc:
                return [("handshake refused", exc.status, exc.message, exc.headers.get("X-Why"))]
            seen.append(("agreed", ws.protocol, ws.compress))
            try:
                await client(ws, seen)
            finally:
                await ws.close()
            seen.append(("end", ws.closed, ws.close_code, error_name(ws.exception())))
        return seen

    async def test_echo_until_the_client_closes(self):
        async def handler(ws: Any, seen: Seen) -> None:
            async for msg in ws:
                seen.append(describe(msg))
                if msg.type is WSMsgType.TEXT:
                    await ws.send_str(msg.data.upper())
                else:
                    await ws.send_bytes(msg.data[::-1])
            seen.append(("handler end", ws.closed, ws.close_code))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.send_str("hello")
            seen.append(describe(await ws.receive()))
            await ws.send_bytes(b"\x01\x02")
            seen.append(describe(await ws.receive()))
            await ws.send_json({"a": 1})
            seen.append(await ws.receive_json())

        client_saw, handler_saw = await self.converse(handler, client)
        self.assertEqual(client_saw[1], (WSMsgType.TEXT, "HELLO", None))
        self.assertEqual(client_saw[-1], ("end", True, 1000, None))
        self.assertEqual(handler_saw[-1], ("handler end", True, 1000))

    async def test_the_server_closes_with_a_code_and_a_message(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("bye")
            seen.append(await ws.close(code=4000, message=b"see you"))
            seen.append((ws.closed, ws.close_code, error_name(ws.exception())))
            seen.append(await ws.close())

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await receive_all(ws, seen)
            seen.append(describe(await ws.receive()))

        client_saw, _ = await self.converse(handler, client)
        self.assertIn((WSMsgType.CLOSE, 4000, "see you"), client_saw)
        self.assertEqual(client_saw[-1], ("end", True, 4000, None))

    async def test_the_client_closes_with_a_code_and_a_message(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await receive_all(ws, seen)
            seen.append((ws.closed, ws.close_code))
            seen.append(describe(await ws.receive()))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(await ws.close(code=4001, message=b"done"))

        _, handler_saw = await self.converse(handler, client)
        self.assertEqual(handler_saw[0], (WSMsgType.CLOSE, 4001, "done"))

    async def test_the_handler_returns_without_closing(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("only this")

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await receive_all(ws, seen)

        client_saw, _ = await self.converse(handler, client)
        self.assertEqual(client_saw[-2:], [(WSMsgType.CLOSE, 1000, None), ("end", True, 1000, None)])

    async def test_autoclose_off_both_sides(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("closing soon")
            seen.append(await ws.close(code=4002))
            seen.append((ws.close_code, error_name(ws.exception())))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(describe(await ws.receive()))
            seen.append(describe(await ws.receive()))  # the close frame, not answered yet
            seen.append(ws.closed)
            await ws.send_str("a last word")
            seen.append(await ws.close(code=4003))

        await self.converse(handler, client, server={"autoclose": False}, connect={"autoclose": False})

    async def test_pings_and_pongs(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.ping(b"server ping")
            seen.append(describe(await ws.receive()))  # autoping off: the client's pong
            seen.append(describe(await ws.receive()))  # and its ping
            await ws.pong(b"unsolicited")
            await ws.send_str("done")
            await receive_all(ws, seen)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(describe(await ws.receive()))  # autoping off: the server's ping
            await ws.pong(b"client pong")
            await ws.ping(b"client ping")
            seen.append(describe(await ws.receive()))
            seen.append(describe(await ws.receive()))

        client_saw, handler_saw = await self.converse(
            handler, client, server={"autoping": False}, connect={"autoping": False}
        )
        self.assertEqual(client_saw[1], (WSMsgType.PING, b"server ping", None))
        self.assertEqual(handler_saw[0], (WSMsgType.PONG, b"client pong", None))

    async def test_autoping_answers_on_both_sides(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.ping(b"1")
            msg = await ws.receive()  # the pong is taken by receive(): the text comes
            seen.append(describe(msg))
            await ws.send_str("after the pings")

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.ping(b"2")
            await ws.send_str("text")
            await receive_all(ws, seen)

        client_saw, handler_saw = await self.converse(handler, client)
        self.assertEqual(handler_saw, [(WSMsgType.TEXT, "text", None)])
        self.assertEqual(client_saw[1], (WSMsgType.TEXT, "after the pings", None))

    async def test_the_clients_heartbeat(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await receive_all(ws, seen)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            receiving = asyncio.ensure_future(ws.receive())
            await asyncio.sleep(0.7)  # heartbeats every 0.2 s
            seen.append((receiving.done(), ws.closed))
            await ws.close()
            seen.append(describe(await receiving))

        client_saw, _ = await self.converse(handler, client, connect={"heartbeat": 0.2})
        self.assertEqual(client_saw[1], (False, False))

    async def test_a_heartbeat_the_server_does_not_answer(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await asyncio.sleep(0.3)  # not reading: no pong
            try:
                seen.append(describe(await ws.receive()))
            except Exception as exc:  # the ping read at last is answered on a closed connection
                seen.append(error_name(exc))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(describe(await ws.receive()))

        client_saw, _ = await self.converse(handler, client, connect={"heartbeat": 0.05})
        end, closed, _code, error = client_saw[-1]  # 1006 and ServerTimeoutError since aiohttp 3.10
        self.assertEqual((end, closed), ("end", True))
        self.assertIn(error, ("ServerTimeoutError", "TimeoutError"))

    async def test_a_handshake_the_server_cannot_accept(self):
        async def handler(ws: Any, seen: Seen) -> None:
            raise AssertionError("not reached")

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            raise AssertionError("not reached")

        for headers in ({"Sec-WebSocket-Version": "12"}, {"Connection": "keep-alive"}):
            with self.subTest(headers=headers):
                client_saw, _ = await self.converse(
                    handler, client, connect={"headers": headers}, handled=False
                )
                self.assertEqual(client_saw, [("handshake refused", 400, "Invalid response status", None)])

    async def test_subprotocols(self):
        async def handler(ws: Any, seen: Seen) -> None:
            seen.append(ws.ws_protocol)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await receive_all(ws, seen)

        for asked in (("v3", "v1", "v2"), ("v9",), ()):
            with self.subTest(asked=asked):
                client_saw, _ = await self.converse(
                    handler, client, server={"protocols": ("v2", "v1")}, connect={"protocols": asked}
                )
                self.assertEqual(client_saw[0][1], {("v3", "v1", "v2"): "v1"}.get(asked))

    async def test_compression(self):
        big = "compressible text " * 3000

        async def handler(ws: Any, seen: Seen) -> None:
            seen.append(ws.compress)
            msg = await ws.receive()
            seen.append(len(msg.data))
            await ws.send_str(msg.data)
            await ws.send_str("small")

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.send_str(big)
            seen.append(await ws.receive_str() == big)
            seen.append(await ws.receive_str())

        for server, connect in (({}, {"compress": 15}), ({"compress": False}, {"compress": 15}), ({}, {})):
            with self.subTest(server=server, connect=connect):
                client_saw, _ = await self.converse(handler, client, server=server, connect=connect)
                self.assertEqual(client_saw[0][2], 15 if server == {} and connect else 0)

    async def test_fragmented_messages(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await send_fragments(ws, [b"frag", b"men", b"ted"], 1)
            await send_fragments(ws, [b"\x00", b"\x01"], 2)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await receive_all(ws, seen)

        client_saw, _ = await self.converse(handler, client)
        self.assertEqual(
            client_saw[1:3], [(WSMsgType.TEXT, "fragmented", None), (WSMsgType.BINARY, b"\x00\x01", None)]
        )

    async def test_a_message_too_big_for_the_client(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("x" * 2000)
            await receive_all(ws, seen)
            seen.append(ws.close_code)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await receive_all(ws, seen)
            seen.append(describe(await ws.receive()))

        client_saw, handler_saw = await self.converse(handler, client, connect={"max_msg_size": 1000})
        self.assertEqual(client_saw[1], (WSMsgType.ERROR, ("WebSocketError", 1009), None))
        self.assertEqual(handler_saw[0], (WSMsgType.CLOSE, 1009, None))

    async def test_a_message_too_big_for_the_server(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await receive_all(ws, seen)
            seen.append((ws.closed, ws.close_code, error_name(ws.exception())))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.send_bytes(b"y" * 2000)
            await receive_all(ws, seen)

        client_saw, handler_saw = await self.converse(handler, client, server={"max_msg_size": 1000})
        self.assertEqual(handler_saw[0], (WSMsgType.ERROR, ("WebSocketError", 1009), None))
        self.assertEqual(client_saw[1], (WSMsgType.CLOSE, 1009, None))

    async def test_large_messages(self):
        big = bytes(range(256)) * 8192  # 2 MB

        async def handler(ws: Any, seen: Seen) -> None:
            msg = await ws.receive()
            seen.append(len(msg.data))
            await ws.send_bytes(msg.data)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.send_bytes(big)
            seen.append(await ws.receive_bytes() == big)

        client_saw, handler_saw = await self.converse(handler, client)
        self.assertEqual((client_saw[1], handler_saw), (True, [len(big)]))

    async def test_a_message_of_another_type(self):
        async def handler(ws: Any, seen: Seen) -> None:
            try:
                await ws.receive_str()
            except TypeError as exc:
                seen.append(type(exc).__name__)
            try:
                await ws.receive_bytes()
            except TypeError as exc:
                seen.append(type(exc).__name__)
            seen.append(await ws.receive_json())

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            await ws.send_bytes(b"b")
            await ws.send_str("s")
            await ws.send_json({"j": None})
            await receive_all(ws, seen)

        _, handler_saw = await self.converse(handler, client)
        self.assertEqual(handler_saw[2], {"j": None})

    async def test_receive_timeouts(self):
        async def handler(ws: Any, seen: Seen) -> None:
            try:
                await ws.receive()
            except TimeoutError as exc:
                seen.append(type(exc).__name__)
            try:
                await ws.receive(timeout=0.02)
            except TimeoutError as exc:
                seen.append(type(exc).__name__)
            await ws.send_str("still here")
            seen.append(describe(await ws.receive()))

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(await ws.receive_str())
            await ws.send_str("late")
            await receive_all(ws, seen)

        _, handler_saw = await self.converse(handler, client, server={"receive_timeout": 0.02})
        self.assertEqual(handler_saw[-1], (WSMsgType.TEXT, "late", None))

    async def test_a_close_the_server_never_answers(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("not listening")
            await asyncio.sleep(0.3)

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            seen.append(await ws.receive_str())
            seen.append(await ws.close())

        client_saw, _ = await self.converse(handler, client, connect=close_timeout(0.05))
        self.assertEqual(client_saw[-1], ("end", True, 1006, "TimeoutError"))

    async def test_a_refused_handshake(self):
        async def handler(ws: Any, seen: Seen) -> None:
            raise AssertionError("not reached")

        async def client(ws: aiohttp.ClientWebSocketResponse, seen: Seen) -> None:
            raise AssertionError("not reached")

        refusal = {"status": 403, "headers": {"X-Why": "banned"}, "body": "no"}
        client_saw, _ = await self.converse(handler, client, refuse=refusal)
        self.assertEqual(client_saw, [("handshake refused", 403, "Invalid response status", "banned")])

    async def test_the_client_leaves_without_a_close_frame(self):
        async def handler(ws: Any, seen: Seen) -> None:
            await ws.send_str("hi")
            await receive_all(ws, seen)
            seen.append((ws.closed, ws.close_code))

        client_saw: Seen = []
        for mocked in (False, True):
            handler_saw: Seen = []
            done = asyncio.Event()

            async def run(ws: Any, handler_saw: Seen = handler_saw, done: asyncio.Event = done) -> None:
                try:
                    await handler(ws, handler_saw)
                finally:
                    done.set()

            async def leave(url: str) -> None:
                session = aiohttp.ClientSession()
                ws = await session.ws_connect(url)
                await ws.receive_str()
                await session.close()  # the connection goes, no close frame
                await ws.close()  # too late for a close frame: it only closes the response

            if mocked:
                async with aiohttpretty.mocked() as mock:
                    mock.register_websocket(MOCKED_URL, run)
                    await leave(MOCKED_URL)
                    await asyncio.wait_for(done.wait(), 5)
            else:
                real = await start_websocket_server(run)
                try:
                    await leave(str(real.make_url("/chat")))
                    await asyncio.wait_for(done.wait(), 5)
                finally:
                    await real.close()
            client_saw.append(handler_saw)
        self.assertEqual(client_saw[1], client_saw[0])
        self.assertEqual(client_saw[0][0][0], WSMsgType.CLOSED)


if __name__ == "__main__":
    unittest.main()

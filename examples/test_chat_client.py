"""Tests of the chat client against mocked websockets.

Run them with ``python -m unittest discover examples``.
"""

from chat_client import KICKED, ChatClient, ChatError, Line

import aiohttpretty

CHAT = "ws://chat.test/ws"


async def room(ws: aiohttpretty.WebSocket) -> None:
    """A chat server with one other member, who answers everything."""
    if ws.request.headers.get("Authorization") != "Bearer s3cret":
        await ws.close(code=4003, message=b"bad token")
        return
    async for msg in ws:
        event = msg.json()
        if event["op"] == "join":
            await ws.send_json({"op": "joined", "room": event["room"], "members": ["bob", "me"]})
        elif event["op"] == "say":
            await ws.send_json({"op": "said", "author": "me", "text": event["text"]})
            await ws.send_json({"op": "said", "author": "bob", "text": f"re: {event['text']}"})
            if event["text"] == "bye":
                await ws.close()


class ChatClientTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_a_conversation(self):
        self.register_websocket(CHAT, room, protocols=["chat.v1"])

        async with ChatClient(CHAT, token="s3cret") as chat:
            self.assertEqual(await chat.join("general"), ["bob", "me"])
            await chat.say("hello")
            await chat.say("bye")
            lines = [line async for line in chat.lines()]

        self.assertEqual(
            lines,
            [Line("me", "hello"), Line("bob", "re: hello"), Line("me", "bye"), Line("bob", "re: bye")],
        )
        self.assertWebSocketReceived(CHAT, json={"op": "join", "room": "general"})
        self.assertWebSocketReceived(CHAT, json={"op": "say", "text": "hello"})
        self.assertEqual(self.websockets[0].request.headers["Sec-WebSocket-Protocol"], "chat.v1")

    async def test_kicked_out(self):
        # No handler needed: what the server sends, then its close code.
        self.register_websocket(
            CHAT,
            protocols=["chat.v1"],
            messages=[{"op": "said", "author": "mod", "text": "behave"}],
            close=(KICKED, "kicked"),
        )

        async with ChatClient(CHAT, token="s3cret") as chat:
            seen = []
            with self.assertRaises(ChatError) as caught:
                async for line in chat.lines():
                    seen.append(line)

        self.assertEqual(seen, [Line("mod", "behave")])
        self.assertEqual(caught.exception.code, KICKED)

    async def test_a_refused_token(self):
        self.register_websocket(CHAT, status=403)
        with self.assertRaisesRegex(ChatError, r"refused the connection \(403\)"):
            async with ChatClient(CHAT, token="wrong"):
                pass

    async def test_a_server_without_the_subprotocol(self):
        self.register_websocket(CHAT, echo=True)  # agrees to no subprotocol
        with self.assertRaisesRegex(ChatError, "does not speak chat.v1"):
            async with ChatClient(CHAT, token="s3cret"):
                pass

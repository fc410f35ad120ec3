"""A small websocket chat client: the kind of code aiohttpretty's websocket
routes are for.

It connects with a bearer token and the ``chat.v1`` subprotocol, joins a room,
says things, and reads what others say until the server closes the room.  A
server that refuses the token (``403``) or closes with a code of its own
raises :class:`ChatError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

#: The close code the server sends to a client it throws out.
KICKED = 4001


class ChatError(Exception):
    """The chat server refused us, or closed the room with a code that is not 1000."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Line:
    author: str
    text: str


class ChatClient:
    """One connection to the chat server at ``url``::

    async with ChatClient("ws://chat.test/ws", token="t") as chat:
        await chat.join("general")
        await chat.say("hello")
        async for line in chat.lines():
            print(line.author, line.text)
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> ChatClient:
        self._session = aiohttp.ClientSession()
        try:
            self._ws = await self._session.ws_connect(
                self.url,
                headers={"Authorization": f"Bearer {self.token}"},
                protocols=("chat.v1",),
                heartbeat=30,
            )
        except aiohttp.WSServerHandshakeError as exc:
            await self._session.close()
            raise ChatError(f"the server refused the connection ({exc.status})") from exc
        if self._ws.protocol != "chat.v1":
            await self.__aexit__(None, None, None)
            raise ChatError("the server does not speak chat.v1")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    @property
    def ws(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None:
            raise RuntimeError("use ChatClient in 'async with'")
        return self._ws

    async def _send(self, **message: Any) -> None:
        await self.ws.send_json(message)

    async def join(self, room: str) -> list[str]:
        """Join ``room``; returns who is there."""
        await self._send(op="join", room=room)
        answer = await self.ws.receive_json()
        if answer.get("op") != "joined":
            raise ChatError(f"could not join {room}: {answer.get('error', answer)}")
        return list(answer["members"])

    async def say(self, text: str) -> None:
        await self._send(op="say", text=text)

    async def lines(self) -> AsyncIterator[Line]:
        """What is said in the room, until the server closes it."""
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                event = msg.json()
                if event.get("op") == "said":
                    yield Line(event["author"], event["text"])
            elif msg.type is aiohttp.WSMsgType.ERROR:
                raise ChatError(f"the connection broke: {msg.data!r}")
        code = self.ws.close_code
        if code not in (None, aiohttp.WSCloseCode.OK):
            raise ChatError("kicked out of the room" if code == KICKED else f"closed with {code}", code)

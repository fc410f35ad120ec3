"""A websocket's record: the conversation a websocket route had, the
handshake and every message both ways."""

from __future__ import annotations

import json as _json
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from aiohttp import WSMsgType
from yarl import URL

if TYPE_CHECKING:
    from .records import Call

__all__ = ["CLIENT", "SERVER", "WebSocketConversation", "WebSocketMessage"]


#: Who sent a :class:`WebSocketMessage`: the code under test, through aiohttp's client...
CLIENT = "client"
#: ... or the mocked websocket route.
SERVER = "server"


class WebSocketMessage(NamedTuple):
    """One message of a mocked websocket conversation, as
    :class:`aiohttp.WSMessage` has it, and who sent it."""

    #: :data:`CLIENT` (the code under test sent it) or :data:`SERVER` (the route did).
    sender: str
    #: ``TEXT``, ``BINARY``, ``PING``, ``PONG`` or ``CLOSE``.
    type: WSMsgType
    #: A ``str`` (text), ``bytes`` (binary, ping, pong) or the close code (an ``int``).
    data: Any
    #: The close message of a ``CLOSE``, else ``None``.
    extra: str | None = None

    def json(self, *, loads: Callable[[Any], Any] = _json.loads) -> Any:
        """The data decoded as JSON."""
        return loads(self.data)

    def __str__(self) -> str:
        kind = self.type.name
        if self.type is WSMsgType.CLOSE:
            text = f"{kind} {self.data}" + (f" {self.extra!r}" if self.extra else "")
        else:
            text = f"{kind} {self.data!r:.200}"
        return f"{self.sender}: {text}"


class WebSocketConversation:
    """One websocket a websocket route answered: the handshake (``request``)
    and every message both ways, in the order the mocked server saw them.

    ``received`` are the messages the route received (the code under test sent
    them), ``sent`` the ones it sent.
    """

    def __init__(self, request: Call, protocol: str | None, compress: int) -> None:
        #: The handshake, as a recorded call (URL, headers, ...).
        self.request = request
        #: The subprotocol agreed on, or ``None``.
        self.protocol = protocol
        #: The ``permessage-deflate`` window bits agreed on (0: no compression).
        self.compress = compress
        #: Every message, both ways, in order.
        self.messages: list[WebSocketMessage] = []
        #: Whether the connection closed.
        self.closed = False

    @property
    def url(self) -> URL:
        """The URL of the handshake."""
        return self.request.url

    @property
    def requested_protocols(self) -> tuple[str, ...]:
        """The subprotocols the client asked for, in its order."""
        asked = self.request.headers.get("Sec-WebSocket-Protocol", "")
        return tuple(name.strip() for name in asked.split(",") if name.strip())

    @property
    def received(self) -> list[WebSocketMessage]:
        """The messages the route received: what the code under test sent."""
        return [message for message in self.messages if message.sender == CLIENT]

    @property
    def sent(self) -> list[WebSocketMessage]:
        """The messages the route sent to the code under test."""
        return [message for message in self.messages if message.sender == SERVER]

    @property
    def close_code(self) -> int | None:
        """The code of the first close frame, from either side; ``None`` if none was sent."""
        return next((m.data for m in self.messages if m.type is WSMsgType.CLOSE), None)

    def describe(self) -> str:
        """The conversation, a line a message, for messages."""
        lines = [f"{self.request.method} {self.request.url}:"]
        lines.extend(f"  {message}" for message in self.messages)
        if not self.messages:
            lines.append("  (no messages)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<WebSocketConversation {self.request.url} messages={len(self.messages)}>"

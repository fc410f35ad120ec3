"""Recorded calls: each request a mock answered, as it went over the wire,
together with the arguments the code passed to the session; and for a
websocket, the conversation that followed."""

from __future__ import annotations

import json as _json
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, Callable, NamedTuple, Protocol

from aiohttp import WSMsgType
from multidict import CIMultiDictProxy, MultiDictProxy
from yarl import URL

from ._urls import location, normalise_url, query_key
from ._wire import parse_header_lines

__all__ = [
    "CLIENT",
    "SERVER",
    "AnsweringRoute",
    "Call",
    "CallList",
    "CalledURI",
    "Mistake",
    "SentResponse",
    "WebSocketConversation",
    "WebSocketMessage",
]


class AnsweringRoute(Protocol):
    """What a call knows of the route that answered it (a :class:`~aiohttpretty.Route`)."""

    method: str
    url: Any

    @property
    def call_count(self) -> int: ...

    def describe(self) -> str: ...


class CalledURI:
    """The URL of a recorded call as the original aiohttpretty showed it in
    ``call['uri']``.

    It compares equal to the requested URL given as a ``str`` or
    :class:`yarl.URL`, under the matching rule (query pairs in any order, empty
    values ignored).  ``.url`` is the URL without its query, ``.params`` the
    query.
    """

    __slots__ = ("_url",)

    def __init__(self, url: URL) -> None:
        self._url = url

    @property
    def url(self) -> str:
        """The URL without its query, as a string."""
        return str(self._url.with_query(None))

    @property
    def params(self) -> MultiDictProxy[str]:
        """The query parameters."""
        return self._url.query

    def with_out_params(self) -> CalledURI:
        """The same URL without a query (the original's method name)."""
        return CalledURI(self._url.with_query(None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CalledURI):
            other_url = other._url
        else:
            try:
                other_url = normalise_url(other)
            except (TypeError, ValueError):
                return NotImplemented
        return location(self._url) == location(other_url) and query_key(self._url) == query_key(other_url)

    def __hash__(self) -> int:
        return hash((location(self._url), query_key(self._url)))

    def __str__(self) -> str:
        return str(self._url)

    def __repr__(self) -> str:
        return f"CalledURI({str(self._url)!r})"


class Call(Mapping[str, Any]):
    """One request answered (or refused) by a mock.

    Attributes describe the request as it was sent on the wire: ``method``,
    ``url`` (a :class:`yarl.URL` including the query), ``headers`` and ``body``
    (bytes).  ``content`` is the body as a server reads it, decoded from its
    ``Content-Encoding``; ``text()``, ``json()`` and the matchers read it.
    ``kwargs`` holds the keyword arguments the code gave the session method
    (``get``, ``post``, ``request`` ...), exactly those.

    For suites written against the original aiohttpretty a call also reads as
    the mapping it used to be: ``call['method']``, ``call['uri']`` (a
    :class:`CalledURI`) and the keyword arguments of ``ClientSession._request``,
    which the original recorded: those the code gave, and those ``get``,
    ``post`` ... add (``allow_redirects``, ``data=None``).  ``call['headers']``
    is the dict the code gave, not the headers on the wire.
    """

    __slots__ = (
        "_content",
        "_headers",
        "_passed_method",
        "_received",
        "body",
        "kwargs",
        "method",
        "proxy",
        "response",
        "route",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        headers: CIMultiDictProxy[str] | bytes,
        body: bytes,
        kwargs: Mapping[str, Any] | None = None,
        passed_method: str | None = None,
        *,
        received: Mapping[str, Any] | None = None,
    ) -> None:
        #: The HTTP method as sent, upper case.
        self.method = method
        #: The requested URL, with its query.
        self.url = url
        # The header lines as sent (parsed on first use) or the parsed headers.
        self._headers = headers
        #: The request body as sent on the wire (compressed, if it was).
        self.body = body
        self._content: bytes | None = None
        #: The keyword arguments the code gave the session method (``get``,
        #: ``post``, ``request`` ...), exactly those: ``session.post(url,
        #: json=x)`` gives ``{'json': x}``.
        self.kwargs: dict[str, Any] = dict(kwargs) if kwargs else {}
        # What ClientSession._request received, when it differs (the mapping's).
        self._received = received if received is not kwargs else None
        #: The route that answered, or ``None`` when none matched.
        self.route: AnsweringRoute | None = None
        self._passed_method = passed_method or method
        #: The response as sent (:class:`SentResponse`), once the mock answered.
        self.response: SentResponse | None = None
        #: The proxy the request went through (``proxy=``), or ``None``.
        self.proxy: URL | None = None

    @property
    def _arguments(self) -> Mapping[str, Any]:
        """The arguments the mapping shows: those ``_request`` received."""
        received = self._received
        return self.kwargs if received is None else received

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The request headers as sent on the wire."""
        headers = self._headers
        if isinstance(headers, bytes):
            headers = self._headers = parse_header_lines(headers)
        return headers

    @property
    def content(self) -> bytes:
        """The request body as a server reads it: decoded from the
        ``Content-Encoding`` it was sent with (``gzip`` or ``deflate``, as
        aiohttp's ``compress=`` sends), else :attr:`body` itself."""
        content = self._content
        if content is None:
            content = self.body
            if content:
                encoding = self.headers.get("Content-Encoding")
                if encoding:
                    content = _decoded(content, encoding)
            self._content = content
        return content

    def text(self, encoding: str = "utf-8") -> str:
        """The body (:attr:`content`, decoded) as text."""
        return self.content.decode(encoding)

    def json(self) -> Any:
        """The body (:attr:`content`, decoded) as JSON."""
        return _json.loads(self.content.decode("utf-8"))

    def _mapping(self) -> dict[str, Any]:
        return {"method": self._passed_method, "uri": CalledURI(self.url), **self._arguments}

    def __getitem__(self, key: str) -> Any:
        if key == "method":
            return self._passed_method
        if key == "uri":
            return CalledURI(self.url)
        return self._arguments[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        return f"<Call {self.method} {self.url}>"


def _decoded(body: bytes, encoding: str) -> bytes:
    """``body`` without the codings of its ``Content-Encoding``, the last
    applied first; as sent when a coding is unknown or does not decode."""
    data = body
    for coding in reversed([part.strip().lower() for part in encoding.split(",")]):
        if coding in ("", "identity"):
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            return body
        try:
            # 32 + 15: a gzip or a zlib header, as it comes.
            data = zlib.decompress(data, 47)
        except zlib.error:
            if coding != "deflate":
                return body
            try:
                data = zlib.decompress(data, -15)  # deflate sent without the zlib header
            except zlib.error:
                return body
    return data


class SentResponse:
    """The response a route sent for a call: ``status``, ``reason``,
    ``headers`` and ``body`` (the bytes of the body as sent, or ``None`` when
    no response was completed)."""

    __slots__ = ("_head", "_headers", "body")

    def __init__(self, head: bytes, body: bytes | None) -> None:
        # The head as sent (with the body, when it was sent in one piece), read when looked at.
        self._head = head
        self._headers: CIMultiDictProxy[str] | None = None
        #: The body bytes as sent on the wire (after chunked framing is removed).
        self.body = body

    def _status_line(self) -> list[str]:
        line = self._head.split(b"\r\n", 1)[0].decode("latin-1")
        return [*line.split(" ", 2), ""][:3]

    @property
    def status(self) -> int:
        """The status code sent."""
        return int(self._status_line()[1])

    @property
    def reason(self) -> str:
        """The reason phrase sent."""
        return self._status_line()[2]

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The response headers as sent."""
        if self._headers is None:
            head = self._head.split(b"\r\n\r\n", 1)[0]
            self._headers = parse_header_lines(head.split(b"\r\n", 1)[1] if b"\r\n" in head else b"")
        return self._headers

    def __repr__(self) -> str:
        return f"<SentResponse {self.status} {self.reason}>"


class CallList(list[Call]):
    """The recorded calls, in the order the requests arrived."""

    @property
    def last(self) -> Call:
        """The most recent call; :class:`IndexError` when there is none."""
        if not self:
            raise IndexError("no calls were recorded")
        return self[-1]

    @property
    def call_count(self) -> int:
        """How many calls were recorded."""
        return len(self)


class Mistake:
    """A mistake in a registration that only showed at request time: a ``match=``
    predicate that raised, a callback that returned something unusable, a body
    that cannot be sent, a responder that failed.  The request failed with
    :attr:`exception`, and the test fails when it ends, even if the code under
    test swallowed the error."""

    __slots__ = ("call", "detail", "exception")

    def __init__(self, call: Call, exception: BaseException, detail: str = "") -> None:
        #: The request being answered.
        self.call = call
        #: What went wrong.
        self.exception = exception
        #: More to show (the traceback of an application's handler), or ``""``.
        self.detail = detail

    def describe(self) -> str:
        route = self.call.route
        where = f" (route {route.describe()})" if route is not None else ""
        kind = type(self.exception).__name__
        text = f"{self.call.method} {self.call.url}{where}: {kind}: {self.exception}"
        if self.detail:
            text += "\n" + "\n".join("    " + line for line in self.detail.rstrip().splitlines())
        return text

    def __repr__(self) -> str:
        return f"<Mistake {self.describe()}>"


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

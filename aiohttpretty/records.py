"""Recorded calls: each request a mock answered, as it went over the wire,
together with the arguments the code passed to the session, and the response
it got (a websocket's conversation is in :mod:`._websocket_records`)."""

from __future__ import annotations

import json as _json
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from multidict import CIMultiDictProxy, MultiDictProxy
from yarl import URL

from ._urls import location, normalise_url, query_key
from ._wire import parse_header_lines

__all__ = [
    "KEPT_STREAM_BYTES",
    "AnsweringRoute",
    "Call",
    "CallList",
    "CalledURI",
    "Mistake",
    "SentResponse",
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


#: The most bytes of a streamed response body kept in :attr:`SentResponse.body`.
KEPT_STREAM_BYTES = 2**20


class SentResponse:
    """The response a route sent for a call: ``status``, ``reason``,
    ``headers``, ``body`` (the bytes of the body as sent, or ``None``) and
    ``size`` (how many body bytes were sent).

    ``body`` is ``None`` while the response is still being sent, when the
    body was streamed (from a stream or an async iterator) and grew past 1 MiB
    (``aiohttpretty.records.KEPT_STREAM_BYTES``: a test streaming a large
    download does not hold it in memory; ``size`` still counts it), and for a
    response a passthrough relayed from the network."""

    __slots__ = ("_head", "_headers", "body", "streamed")

    def __init__(self, head: bytes, body: bytes | None) -> None:
        # The head as sent (with the body, when it was sent in one piece), read when looked at.
        self._head = head
        self._headers: CIMultiDictProxy[str] | None = None
        #: The body bytes as sent on the wire (after chunked framing is removed).
        self.body = body
        #: The body bytes sent so far, while ``body`` is ``None``.
        self.streamed = 0

    @property
    def size(self) -> int:
        """How many bytes of body were sent (after chunked framing is removed)."""
        return self.streamed if self.body is None else len(self.body)

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

"""What a canned response is: its options checked at registration, its body
in one of the forms aiohttpretty can send, and its head prebuilt with
:mod:`._wire` so that a plain reply costs one write."""

from __future__ import annotations

import asyncio
import http
import json as _json
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any, Protocol, Union, runtime_checkable

from . import _wire
from ._urls import TOKEN
from .errors import AioHTTPrettyWarning, warn

__all__ = [
    "ONE_CHUNK",
    "REASON_PHRASES",
    "RESPONSE_OPTIONS",
    "Body",
    "Chunks",
    "InvalidBody",
    "Reply",
    "ResponseSpec",
    "Stream",
    "check_body",
    "header_pairs",
    "is_stream",
    "json_response_body",
    "with_body_helpers",
    "with_json_content_type",
]

#: The largest piece of a body sent to aiohttp at once.
ONE_CHUNK = 2**16
#: The options that describe one response.
RESPONSE_OPTIONS = ("status", "reason", "headers", "body", "auto_length")

#: The standard reason phrase of each status, as a server sends it (``''``
#: for a status without one).
REASON_PHRASES = {status.value: status.phrase for status in http.HTTPStatus}

_FORBIDDEN = re.compile(r"[\r\n\x00]")


@runtime_checkable
class Stream(Protocol):
    """Anything with an ``async def read(n=-1) -> bytes``, e.g. an
    :class:`asyncio.StreamReader`."""

    async def read(self, n: int = -1) -> bytes: ...  # pragma: no cover


def is_stream(body: object) -> bool:
    """Whether ``body`` is a stream aiohttpretty can read a response from."""
    read = getattr(body, "read", None)
    return isinstance(body, asyncio.StreamReader) or (read is not None and asyncio.iscoroutinefunction(read))


class Chunks:
    """A body delivered to aiohttp chunk by chunk: a list of ``bytes``/``str``
    chunks (sent again for each request) or an async iterator of them (used up
    by the first request)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        #: The length of the whole body when it is known in advance (a list), else ``None``.
        self.length: int | None = None
        if isinstance(source, (list, tuple)):
            self.source = tuple(
                chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in source
            )
            self.length = sum(len(chunk) for chunk in self.source)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if isinstance(self.source, tuple):
            for chunk in self.source:
                yield chunk
            return
        async for chunk in self.source:
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            # Anything else is refused by the responder, which names it.
            yield bytes(chunk) if isinstance(chunk, (bytearray, memoryview)) else chunk


def _is_chunk_list(body: object) -> bool:
    return isinstance(body, (list, tuple)) and all(
        isinstance(chunk, (bytes, bytearray, memoryview, str)) for chunk in body
    )


class InvalidBody:
    """A body of a type aiohttpretty cannot send; requesting it raises TypeError."""

    def __init__(self, body: object) -> None:
        self.body = body


Body = Union[bytes, Stream, Chunks, InvalidBody]


def _check_text(what: str, value: str) -> None:
    if _FORBIDDEN.search(value):
        raise ValueError(f"{what} {value!r} contains CR, LF or NUL, which would split the HTTP message")


def _headers(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        items: Iterable[Any] = headers.items()
    elif isinstance(headers, Iterable) and not isinstance(headers, (str, bytes)):
        items = headers
    else:
        raise TypeError(
            f"headers must be a mapping or a sequence of (name, value) pairs, "
            f"got {type(headers).__name__}: {headers!r}"
        )
    pairs = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError(f"headers: {item!r} is not a (name, value) pair") from None
        if not isinstance(name, str) or not TOKEN.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}: use a token such as 'Content-Type'")
        if value is None:
            raise TypeError(
                f"header {name} has the value None, which would be sent as the text 'None'; give a str"
            )
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        _check_text(f"header {name}: value", text)
        pairs.append((name, text))
    return pairs


class ResponseSpec:
    """One canned response, checked and normalised at registration.

    ``like_server`` gives the defaults of the newer entry points, those of a
    server: the standard reason phrase of ``status`` and ``Content-Length``
    when the body's length is known in advance.  Without it (the original
    API) the reason is ``''`` and the response carries the registered headers
    alone.  An explicit ``reason`` or ``auto_length`` wins either way.
    """

    __slots__ = (
        "_head",
        "_head_length",
        "auto_length",
        "bodiless",
        "body",
        "framing",
        "headers",
        "like_server",
        "message",
        "message_framed",
        "one_shot_sent",
        "reads_whole_body",
        "reason",
        "status",
    )

    def __init__(
        self,
        status: Any = 200,
        reason: Any = None,
        headers: Any = None,
        body: Any = b"",
        auto_length: Any = None,
        *,
        like_server: bool = False,
    ) -> None:
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"status must be an int, got {type(status).__name__}: {status!r}")
        if not 100 <= status <= 599:
            raise ValueError(f"status must be between 100 and 599, got {status}")
        if status < 200:
            raise ValueError(
                f"status {status} is an interim (1xx) response, which a server sends before the final "
                f"one and cannot end a request; register the final status (a websocket route answers "
                f"101 itself)"
            )
        if reason is None:
            reason = REASON_PHRASES.get(status, "") if like_server else ""
        if not isinstance(reason, str):
            raise TypeError(f"reason must be a str, got {type(reason).__name__}: {reason!r}")
        _check_text("reason", reason)
        self.status: int = status
        self.reason: str = reason
        self.headers: list[tuple[str, str]] = _headers(headers)
        self.body: Body = _body(body)
        self.like_server = like_server
        #: Whether a body that can be read once (an async iterator, a stream) was sent.
        self.one_shot_sent = False
        #: What the registered headers say about the response's end.
        self.framing = _wire.Framing.of(self.headers)
        if auto_length is None:
            # The default: a server's Content-Length, unless the registered
            # headers frame the response themselves.
            auto_length = like_server and not (
                self.framing.chunked or any(name.lower() == "content-length" for name, _ in self.headers)
            )
            #: ``auto_length=True`` given: a stream or async iterator is read
            #: whole first, to count it (by default it streams without a length).
            self.reads_whole_body = False
        else:
            self.reads_whole_body = bool(auto_length)
        #: Whether ``Content-Length`` is set from the body whenever its length
        #: is known (bytes, a list of chunks, or a stream read whole first).
        self.auto_length = bool(auto_length)
        #: Whether the status allows no body on the wire (1xx, 204, 304).
        self.bodiless = _wire.has_no_body("", status)
        self._head: bytes | None = None
        self._head_length: int | None = None
        #: The whole response when it can be sent at once (a status with a
        #: body, a ``bytes`` body of one chunk, not chunked), else ``None``.
        self.message: bytes | None = None
        #: With :attr:`message`: whether the client can tell where it ends.
        self.message_framed = False
        if (
            not self.bodiless
            and isinstance(self.body, bytes)
            and len(self.body) <= ONE_CHUNK
            and not self.framing.chunked
        ):
            self.message = self.head(len(self.body)) + self.body
            self.message_framed = self.framed(len(self.body))

    @classmethod
    def json(cls, body: Any = None, *, headers: Any = None, **options: Any) -> ResponseSpec:
        """A response whose body is ``body`` JSON-encoded, with
        ``Content-Type: application/json`` unless ``headers`` gives another."""
        try:
            encoded = _json.dumps(body).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"register_json_uri: the body cannot be encoded as JSON ({exc}); "
                f"pass JSON-serialisable data, or use register_uri with bytes"
            ) from None
        return cls(headers=with_json_content_type(headers), body=encoded, **options)

    def head(self, body_length: int | None, method: str = "GET") -> bytes:
        """The status line and headers, with ``Content-Length`` set from
        ``body_length`` when ``auto_length`` asks for it.

        As a server does, the defaults of the newer entry points give no
        ``Content-Length`` to a 1xx, 204 or 304, nor to the answer to a
        ``HEAD`` whose body is empty."""
        if not self.auto_length or (
            self.like_server and (self.bodiless or (method == "HEAD" and not body_length))
        ):
            body_length = None
        if self._head is not None and self._head_length == body_length:
            return self._head
        headers = self.headers
        if body_length is not None:
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
            headers.append(("Content-Length", str(body_length)))
        head = _wire.response_head(self.status, self.reason, headers)
        self._head, self._head_length = head, body_length
        return head

    def framed(self, body_length: int | None) -> bool:
        """Whether a client can tell where a body of ``body_length`` bytes
        (``None``: not known in advance) ends without the connection closing."""
        return self.framing.ends_cleanly(body_length, self.auto_length)

    def __repr__(self) -> str:
        return f"<ResponseSpec {self.status} {self.reason!r} headers={self.headers!r}>"


def _body(body: Any) -> Body:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if is_stream(body):
        return body  # type: ignore[no-any-return]
    if _is_chunk_list(body) or hasattr(body, "__aiter__"):
        return Chunks(body)
    warn(AioHTTPrettyWarning(_unsendable(body) + " Requesting this route will raise TypeError."))
    return InvalidBody(body)


def _unsendable(body: Any) -> str:
    return (
        f"body of type {type(body).__name__} ({body!r:.60}) cannot be sent; "
        "use bytes, str, a list of chunks, an async iterator or a stream with an async read()"
        + (
            "; for JSON data use register_json_uri or json="
            if isinstance(body, (dict, list, int, float))
            else ""
        )
        + "."
    )


def check_body(body: Any) -> None:
    """Raise :class:`TypeError` for a body that cannot be sent (the newer entry
    points; the original API warns and fails when the route is requested)."""
    if not (
        body is None
        or isinstance(body, (str, bytes, bytearray, memoryview))
        or is_stream(body)
        or _is_chunk_list(body)
        or hasattr(body, "__aiter__")
    ):
        raise TypeError(_unsendable(body))


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """``headers`` (a mapping or ``(name, value)`` pairs) checked, as pairs of text."""
    return _headers(headers)


def with_json_content_type(headers: Any) -> list[tuple[str, str]]:
    """``headers`` as pairs, with ``Content-Type: application/json`` first
    unless they give a content type of their own."""
    pairs = _headers(headers)
    if not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.insert(0, ("Content-Type", "application/json"))
    return pairs


_TEXT_TYPES = {"text": "text/plain", "html": "text/html"}


def with_body_helpers(options: dict[str, Any]) -> dict[str, Any]:
    """``text=``/``html=`` as a UTF-8 body with its ``Content-Type`` (unless
    ``headers`` gives one), ``cookies=`` as ``Set-Cookie`` headers."""
    given = [name for name in ("body", "text", "html") if options.get(name) is not None]
    if len(given) > 1:
        raise TypeError(f"give one of body, text and html, got {', '.join(given)}")
    for name, kind in _TEXT_TYPES.items():
        text = options.pop(name, None)
        if text is None:
            continue
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}")
        pairs = _headers(options.get("headers"))
        if not any(header.lower() == "content-type" for header, _ in pairs):
            pairs.insert(0, ("Content-Type", f"{kind}; charset=utf-8"))
        options["headers"], options["body"] = pairs, text.encode("utf-8")
    cookies = options.pop("cookies", None)
    if cookies is not None:
        options["headers"] = _headers(options.get("headers")) + [
            ("Set-Cookie", line) for line in _cookie_lines(cookies)
        ]
    return options


def _cookie_lines(cookies: Any) -> list[str]:
    if not isinstance(cookies, Mapping):
        raise TypeError(
            "cookies must be a mapping of names to a value or a dict with 'value' and attributes "
            f"(path, domain, expires, max-age, secure, httponly, samesite), got {cookies!r}"
        )
    lines = []
    for name, value in cookies.items():
        attributes: dict[str, Any] = {}
        if isinstance(value, Mapping):
            attributes = {key.replace("_", "-").lower(): item for key, item in value.items()}
            if "value" not in attributes:
                raise TypeError(f"cookies: {name!r} gives attributes without a 'value'")
            value = attributes.pop("value")
        jar: SimpleCookie = SimpleCookie()
        try:
            jar[name] = str(value)
            for key, item in attributes.items():
                jar[name][key] = item
        except CookieError as exc:
            raise ValueError(f"cookies: {name!r}: {exc}") from None
        lines.append(jar[name].OutputString())
    return lines


def json_response_body(body: Any) -> Any:
    """A ``responses`` entry's body for register_json_uri: data is JSON-encoded,
    ``str`` and ``bytes`` are sent as given (as the original did)."""
    if isinstance(body, (str, bytes, bytearray, memoryview)) or is_stream(body):
        return body
    try:
        return _json.dumps(body).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"register_json_uri: a response body cannot be encoded as JSON ({exc})") from None


class Reply:
    """What a route does for one request: wait ``delay`` seconds, then fail with
    ``exception`` or send ``spec`` (misbehaving as ``fault`` says)."""

    __slots__ = ("delay", "exception", "fault", "spec")

    def __init__(
        self,
        spec: ResponseSpec,
        exception: BaseException | type[BaseException] | None,
        delay: float,
        fault: Any = None,
    ) -> None:
        self.spec = spec
        self.exception = exception
        self.delay = delay
        self.fault = fault

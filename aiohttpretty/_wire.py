"""HTTP/1.1 on the wire, as bytes: reading a request, writing a response.

No aiohttp here, and nothing of the package: this is what a server's socket
code does, and it is tested on bytes alone.  The rules a response's end
follows live here too: which responses carry no body (``HEAD``, 1xx, 204,
304), when a client can tell where a body ends (``Content-Length`` that is
right, chunked framing), and when the connection can carry the next request.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable
from typing import NamedTuple

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "CONTINUE",
    "LAST_CHUNK",
    "Framing",
    "RequestHead",
    "RequestReader",
    "ResponseHead",
    "ResponseReader",
    "chunk",
    "first_values",
    "has_no_body",
    "keeps_alive",
    "parse_header_lines",
    "read_head",
    "read_response_head",
    "response_head",
]

#: The interim response to ``Expect: 100-continue``.
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
#: The end of a chunked body (no trailers).
LAST_CHUNK = b"0\r\n\r\n"

# The request headers that frame the body or the connection.
_FRAMING_HEADER = re.compile(rb"\r\n(content-length|transfer-encoding|expect|connection|upgrade):([^\r]*)")
# Heads up to this size are kept by read_head's cache (256 of them at most).
_CACHED_HEAD_SIZE = 8192


class RequestHead(NamedTuple):
    """The request line and the headers that frame a request, as read from its head."""

    method: str
    #: Everything between the method and the protocol version: it may hold raw
    #: spaces when the client was given an ``encoded=True`` URL with them.
    target: str
    #: The header lines, each with its CRLF, parsed when first looked at.
    header_lines: bytes
    #: The ``Content-Length`` of the body, ``None`` when the head has none.
    length: int | None
    chunked: bool
    expects_continue: bool
    #: Whether the request asked the server to close the connection after it.
    closes: bool
    #: Whether a body follows the head.
    has_body: bool
    #: The protocol the request asks to switch to (``Upgrade:``, lower case,
    #: e.g. ``"websocket"``), or ``""``.
    upgrade: str = ""


def read_head(head: bytes) -> RequestHead:
    """Read a request head (up to and with its empty line).

    Cached: a suite repeats the same requests, and the same bytes read the
    same.  A larger head (big cookies, say) is read each time, not kept.
    """
    if len(head) <= _CACHED_HEAD_SIZE:
        return _read_head_cached(head)
    return _read_head(head)


def _read_head(head: bytes) -> RequestHead:
    line_end = head.find(b"\r\n")
    line = head[:line_end]
    method, _, rest = line.partition(b" ")
    target, space, version = rest.rpartition(b" ")
    if not space or not version.startswith(b"HTTP/"):
        target = rest  # no version: an HTTP/0.9-style line
    length: int | None = None
    chunked, expects_continue, closes = False, False, False
    upgrade = ""
    for name, value in _FRAMING_HEADER.findall(head[line_end:-2].lower()):
        value = value.strip()
        if name == b"content-length":
            length = int(value or 0)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"expect":
            expects_continue = value == b"100-continue"
        elif name == b"upgrade":
            upgrade = value.decode("latin-1")
        else:
            closes = value == b"close"
    return RequestHead(
        method.decode("latin-1"),
        target.decode("utf-8", "surrogateescape"),
        head[line_end + 2 : -2],
        length,
        chunked,
        expects_continue,
        closes,
        chunked or bool(length),
        upgrade,
    )


_read_head_cached = functools.lru_cache(maxsize=256)(_read_head)


def parse_header_lines(lines: bytes) -> CIMultiDictProxy[str]:
    """Headers from the ``Name: value`` lines of a head (CRLF-separated)."""
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines.decode("utf-8", "surrogateescape").split("\r\n"):
        if line:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
    return CIMultiDictProxy(headers)


@functools.lru_cache(maxsize=16)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(name.encode("latin-1")) for name in names)
    return re.compile(rb"\r\n[ \t]*(" + alternatives + rb")[ \t]*:([^\r]*)", re.IGNORECASE)


def first_values(lines: bytes, names: tuple[str, ...]) -> dict[str, str]:
    """The first value of each header of ``names`` (lower case) found in the
    ``Name: value`` lines of a head: what ``parse_header_lines(lines).get(name)``
    gives, without reading the other headers."""
    found = _names_pattern(names).findall(b"\r\n" + lines)
    found.reverse()  # the first of a name is the one left
    return {
        name.lower().decode("latin-1"): value.decode("utf-8", "surrogateescape").strip()
        for name, value in found
    }


class RequestReader:
    """Reads one HTTP/1.1 request from the bytes a client writes.

    The head is read by :func:`read_head`; the body is collected in a
    :class:`io.BytesIO`, whose ``getvalue()`` hands over its buffer without a
    copy: a 100 MB upload costs 100 MB once.
    """

    __slots__ = ("_body", "_buffer", "_chunk_buffer", "_done", "head")

    def __init__(self) -> None:
        self._buffer = b""  # the start of a head not complete yet
        self._chunk_buffer: bytearray | None = None  # chunked body bytes not read yet
        self._body: io.BytesIO | None = None
        self._done = False
        #: The request line and framing headers, once the head arrived.
        self.head: RequestHead | None = None

    @property
    def body(self) -> bytes:
        """The request body received so far (all of it once ``feed`` returned True)."""
        return b"" if self._body is None else self._body.getvalue()

    @property
    def started(self) -> bool:
        """Whether any byte of a request arrived."""
        return self.head is not None or bool(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> bool:
        """Take written bytes; return whether the request is now complete."""
        if self._done:
            return True
        head = self.head
        if head is None:
            if self._buffer or not isinstance(data, bytes):
                data = self._buffer + bytes(data)
            end = data.find(b"\r\n\r\n") + 4
            if end < 4:
                self._buffer = data
                return False
            self._buffer = b""
            head = self.head = read_head(data if end == len(data) else data[:end])
            if not head.has_body:
                self._done = True
                return True
            data = memoryview(data)[end:]
        if self._body is None:
            self._body = io.BytesIO()
        if head.chunked:
            if self._chunk_buffer is None:
                self._chunk_buffer = bytearray()
            self._chunk_buffer += data
            self._done = _read_chunks(self._chunk_buffer, self._body)
        else:
            length = head.length or 0
            missing = length - self._body.tell()
            self._body.write(data if len(data) <= missing else memoryview(data)[:missing])
            self._done = self._body.tell() >= length
        return self._done


def _read_chunks(buffer: bytearray, body: io.BytesIO) -> bool:
    """Move the complete chunks of ``buffer`` into ``body``; whether the last
    chunk arrived."""
    position = 0
    try:
        while True:
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                return False
            size = int(bytes(buffer[position:line_end]).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Last chunk; aiohttp sends no trailers, just the empty line.
                if len(buffer) < line_end + 4:
                    return False
                position = len(buffer)
                return True
            start = line_end + 2
            if len(buffer) < start + size + 2:
                return False
            with memoryview(buffer) as view:
                body.write(view[start : start + size])
            position = start + size + 2
    finally:
        del buffer[:position]


# The response side.


def has_no_body(method: str, status: int) -> bool:
    """Whether a response has no body on the wire: to ``HEAD``, or 1xx, 204, 304."""
    return method == "HEAD" or status < 200 or status in (204, 304)


def response_head(status: int, reason: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """The status line and header lines of a response, with the empty line."""
    lines = "".join([f"{name}: {value}\r\n" for name, value in headers])
    return f"HTTP/1.1 {status} {reason}\r\n{lines}\r\n".encode()


def chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return b"%x\r\n%b\r\n" % (len(data), data)


class Framing(NamedTuple):
    """What a response's own headers say about where it ends."""

    #: ``Transfer-Encoding: chunked``.
    chunked: bool
    #: ``Connection: close``: no request follows on the connection.
    closes: bool
    #: The ``Content-Length`` value, when the headers agree on one.
    content_length: str | None

    @classmethod
    def of(cls, headers: Iterable[tuple[str, str]]) -> Framing:
        chunked = closes = False
        lengths: set[str] = set()
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-length":
                lengths.add(value.strip())
            elif lowered == "transfer-encoding":
                chunked = chunked or "chunked" in value.lower()
            elif lowered == "connection":
                closes = closes or value.strip().lower() == "close"
        return cls(chunked, closes, next(iter(lengths)) if len(lengths) == 1 else None)

    @classmethod
    def of_head(cls, head: bytes) -> Framing:
        """What a response head (its status line, header lines and empty line)
        says, read with the pattern that reads a request's framing headers."""
        found = _FRAMING_HEADER.findall(head.lower())
        return cls.of((name.decode("latin-1"), value.decode("latin-1")) for name, value in found)

    def ends_cleanly(self, body_length: int | None, length_set: bool) -> bool:
        """Whether a client can tell where a body of ``body_length`` bytes
        (``None``: not known in advance) ends without the connection closing:
        chunked, or a ``Content-Length`` that is right (``length_set``: one the
        server put there for that body).  A response that says
        ``Connection: close`` is never followed by another."""
        if self.closes:
            return False
        if self.chunked:
            return True
        if body_length is None:
            return False
        return length_set or self.content_length == str(body_length)


def keeps_alive(request: RequestHead | None, response_ends_cleanly: bool) -> bool:
    """Whether the connection carries the next request after this exchange."""
    return response_ends_cleanly and not (request is not None and request.closes)


class ResponseHead(NamedTuple):
    """The status line and headers of a response, as read from a server."""

    status: int
    reason: str
    headers: list[tuple[str, str]]


def read_response_head(head: bytes) -> ResponseHead:
    """Read a response head (up to and with its empty line)."""
    line, _, rest = head.partition(b"\r\n")
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response status line: {line[:80]!r}")
    headers = [(name, value) for name, value in parse_header_lines(rest[:-2]).items()]
    return ResponseHead(int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


class ResponseReader:
    """Reads one HTTP/1.1 response from the bytes a server sends, as they came:
    interim 1xx responses (other than 101) are skipped, the body ends after
    ``Content-Length`` bytes, the last chunk, or when the server closes
    (:meth:`closed`).  ``body`` is the body as sent, without chunk framing
    and not decompressed."""

    def __init__(self, method: str) -> None:
        self._method = method
        self._buffer = bytearray()
        self._chunks: bytearray | None = None
        self._body = io.BytesIO()
        self._length: int | None = None
        #: The head, once it arrived.
        self.head: ResponseHead | None = None
        #: Whether the body was chunked on the wire.
        self.chunked = False
        #: Whether the whole response arrived.
        self.done = False

    @property
    def body(self) -> bytes:
        return self._body.getvalue()

    def feed(self, data: bytes) -> bool:
        """Take received bytes; return whether the response is now complete."""
        if self.done:
            return True
        if self.head is None:
            self._buffer += data
            while self.head is None:
                end = self._buffer.find(b"\r\n\r\n") + 4
                if end < 4:
                    return False
                head = read_response_head(bytes(self._buffer[:end]))
                del self._buffer[:end]
                if 100 <= head.status < 200 and head.status != 101:
                    continue  # an interim response (100 Continue)
                self._start(head)
            data, self._buffer = bytes(self._buffer), bytearray()
            if self.done:
                return True
        if self._chunks is not None:
            self._chunks += data
            self.done = _read_chunks(self._chunks, self._body)
        elif self._length is not None:
            missing = self._length - self._body.tell()
            self._body.write(data[:missing])
            self.done = self._body.tell() >= self._length
        else:
            self._body.write(data)
        return self.done

    def _start(self, head: ResponseHead) -> None:
        self.head = head
        framing = Framing.of(head.headers)
        if has_no_body(self._method, head.status):
            self.done = True
        elif framing.chunked:
            self.chunked = True
            self._chunks = bytearray()
        elif framing.content_length is not None:
            self._length = int(framing.content_length)
            self.done = self._length == 0

    def closed(self) -> bool:
        """The server closed the connection: whether the response was complete
        (a body without framing ends here)."""
        if self.head is not None and self._chunks is None and self._length is None:
            self.done = True
        return self.done

"""Where a response ends, read from the bytes a server writes (the in-memory
app's server side passes each response on to the client and hands the
connection back when it ended).  HTTP/1.1 bytes only, like :mod:`._wire`."""

from __future__ import annotations

from . import _wire

__all__ = ["ResponseEnd"]


class ResponseEnd:
    """Reads the bytes of one response as a server writes them, to tell where
    it ends (:attr:`done`): after its head and body, framed by
    ``Content-Length``, chunks or no body.  One without framing ends when the
    server closes the connection.  A ``100 Continue`` the client already got
    from the mock's transport is dropped."""

    def __init__(self, method: str, expects_continue: bool) -> None:
        self._method = method
        self._skip_continue = expects_continue
        self._head = b""
        self._remaining = -1  # body bytes left; -1: until close
        self._chunked = False
        self._line = b""  # a chunk-size line or trailer not complete yet
        self._in_trailer = False
        #: Set once the head was read: the status, and whether it keeps alive.
        self.status = 0
        self.keeps_alive = False
        self.done = False

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """Take written bytes: ``(to send to the client, left after the end)``."""
        if self.status == 0:
            buffer = self._head + data
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self._head = buffer
                return b"", b""
            head, rest = buffer[: end + 4], buffer[end + 4 :]
            self._head = b""
            status = int(head.split(b" ", 2)[1])
            if status == 100 and self._skip_continue:
                self._skip_continue = False  # the mock's transport sent it already
                return self.feed(rest) if rest else (b"", b"")
            if 101 < status < 200:  # an interim response (103): the final one follows
                sent, left = self.feed(rest) if rest else (b"", b"")
                return head + sent, left
            self._start(head, status)
            if self.done:
                return head, rest
            sent, left = self._body(rest)
            return head + sent, left
        return self._body(data)

    def _start(self, head: bytes, status: int) -> None:
        self.status = status
        framing = _wire.Framing.of_head(head)
        no_body = status == 101 or _wire.has_no_body(self._method, status)
        self._chunked = framing.chunked and not no_body
        if no_body or self._chunked:
            self._remaining = 0
        elif framing.content_length is not None:
            self._remaining = int(framing.content_length)
        self.keeps_alive = status != 101 and not framing.closes and (self._remaining >= 0)
        self.done = not self._chunked and self._remaining == 0

    def _body(self, data: bytes) -> tuple[bytes, bytes]:
        if self._remaining < 0 and not self._chunked:
            return data, b""  # until the connection closes
        if not self._chunked:
            taken = data[: self._remaining]
            self._remaining -= len(taken)
            self.done = self._remaining == 0
            return taken, data[len(taken) :]
        position = 0
        while position < len(data) and not self.done:
            if self._remaining > 0:
                step = min(self._remaining, len(data) - position)
                position += step
                self._remaining -= step
                continue
            line_end = data.find(b"\n", position)
            if line_end < 0:
                self._line += data[position:]
                position = len(data)
                break
            line = (self._line + data[position:line_end]).strip()
            self._line = b""
            position = line_end + 1
            if self._in_trailer:
                self.done = not line
            elif line:
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    self._in_trailer = True
                else:
                    self._remaining = size + 2  # the data and its CRLF
        return data[:position], data[position:]

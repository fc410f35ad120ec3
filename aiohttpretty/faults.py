"""Fault injection: a route's response sent the way a misbehaving server
sends it, so that aiohttp raises what it raises against such a server.

Give one as ``fault=`` to ``register_uri`` (or in an entry of
``responses=[...]``)::

    mock.register_uri("GET", url, body=b"x" * 100, fault=aiohttpretty.faults.close_after(10))

=========================  ======================================================  =========================
fault                      the server                                              aiohttp raises
=========================  ======================================================  =========================
``close_after(n)``         sends the head and ``n`` bytes of the body, then        ``ClientPayloadError``
                           closes the connection                                   on reading the body
``short_body(extra)``      announces ``Content-Length`` ``extra`` bytes longer     ``ClientPayloadError``
                           than the body, sends the body, closes
``pause(seconds)``         waits ``seconds`` before each piece of the body after   a read timeout
                           the first (``chunk_size`` splits a bytes body)          (``ServerTimeoutError``)
                                                                                   with ``sock_read`` set
``reset_in_head()``        resets the connection in the middle of the head         ``ClientOSError``
                                                                                   (``ECONNRESET``)
=========================  ======================================================  =========================
"""

from __future__ import annotations

import math

__all__ = ["Fault", "close_after", "pause", "reset_in_head", "short_body"]


class Fault:
    """How a response misbehaves; made by the functions of this module."""

    __slots__ = ("amount", "chunk_size", "kind")

    def __init__(self, kind: str, amount: float = 0, chunk_size: int | None = None) -> None:
        self.kind = kind
        self.amount = amount
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        if self.kind == "reset_in_head":
            return "faults.reset_in_head()"
        size = f", chunk_size={self.chunk_size}" if self.chunk_size else ""
        return f"faults.{self.kind}({self.amount!r}{size})"


def _count(what: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise TypeError(f"{what} must be an int >= {least}, got {value!r}")
    return value


def close_after(n: int) -> Fault:
    """Send the head (with the whole body's ``Content-Length``) and the first
    ``n`` bytes of the body, then close the connection."""
    return Fault("close_after", _count("close_after: n", n, 0))


def short_body(extra: int) -> Fault:
    """Announce a ``Content-Length`` ``extra`` bytes longer than the body, send
    the body, then close the connection."""
    return Fault("short_body", _count("short_body: extra", extra, 1))


def pause(seconds: float, *, chunk_size: int | None = None) -> Fault:
    """Wait ``seconds`` before each piece of the body after the first: the
    registered chunks, or a bytes body cut in pieces of ``chunk_size`` bytes."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise TypeError(f"pause: seconds must be a finite number, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"pause: seconds must be >= 0, got {seconds}")
    if chunk_size is not None:
        _count("pause: chunk_size", chunk_size, 1)
    return Fault("pause", float(seconds), chunk_size)


def reset_in_head() -> Fault:
    """Reset the connection (``ECONNRESET``) after part of the status line."""
    return Fault("reset_in_head")

"""The responder of registered routes: canned responses, callbacks, streamed
bodies, delays and exceptions, written into a :class:`~._transport.Channel`."""

from __future__ import annotations

import asyncio
import errno
import inspect
import math
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Callable

import aiohttp
from yarl import URL

from . import _seam, _wire
from .faults import Fault
from .records import KEPT_STREAM_BYTES, SentResponse
from .responses import (
    ONE_CHUNK,
    Chunks,
    InvalidBody,
    Reply,
    ResponseSpec,
    Stream,
    is_stream,
)

if TYPE_CHECKING:
    from ._transport import Channel, Pending
    from .records import Call
    from .routes import Route

__all__ = ["CALLBACK_RESULT_OPTIONS", "answer", "refuse"]

#: The keys a ``callback`` may return.
CALLBACK_RESULT_OPTIONS = ("status", "reason", "headers", "body", "auto_length", "json")


def answer(route: Route, reply: Reply, call: Call, channel: Channel) -> Pending | None:
    """Answer ``call`` with ``reply`` of ``route``.

    A reply that needs no waiting (bytes, no delay, exception or callback) is
    sent at once and ``None`` returned: no task and no extra turn of the event
    loop.  Otherwise the returned coroutine answers (as a task).
    """
    if (
        _seam.ANSWER_AT_ONCE
        and not reply.delay
        and reply.exception is None
        and route.callback is None
        and reply.fault is None
    ):
        keep_alive = _send_at_once(channel, reply.spec, call)
        if keep_alive is not None:
            channel.end(keep_alive)
            return None
    return _reply(channel, route, reply, call)


async def refuse(channel: Channel, exc: BaseException) -> None:
    """Fail the request with ``exc`` (from a task, as a connection error comes)."""
    channel.fail(exc)


# What a callback or a body may raise on purpose: the failures of a network.
_DELIBERATE = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


async def _reply(channel: Channel, route: Route, reply: Reply, call: Call) -> None:
    """Send ``reply`` to ``call``, waiting for its delay, callback or stream.

    A failure the route asks for (``exception=``, a callback or a body raising
    a network error) is the client's; any other error of a callback, and a body
    that cannot be sent, is a mistake of the registration as well."""
    try:
        if not _seam.ANSWER_AT_ONCE:
            await asyncio.sleep(0)  # the task writing the request ends first
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.exception is not None:
            raise _exception(reply.exception, call.url)
        spec = reply.spec
        if route.callback is not None:
            try:
                spec = await _call_back(route, call, spec)
            except _DELIBERATE:
                raise
            except Exception as exc:
                channel.mistake(exc)
                raise
        try:
            if reply.fault is not None:
                await _misbehave(channel, spec, call, reply.fault)
                return
            keep_alive = await _send(channel, spec, call)
        except _Unsendable as exc:
            channel.mistake(exc.error)
            raise exc.error from None
    except asyncio.CancelledError:
        raise
    except BaseException as exc:
        channel.fail(exc)
    else:
        channel.end(keep_alive)


class _Unsendable(Exception):
    """A body that cannot be sent (carries the error for the client)."""

    def __init__(self, error: TypeError) -> None:
        self.error = error


def _exception(exception: BaseException | type[BaseException], url: URL) -> BaseException:
    """The exception to raise; a class is instantiated as the failure would make it."""
    if isinstance(exception, BaseException):
        return exception
    if issubclass(exception, aiohttp.ClientConnectorError):
        refused = OSError(
            errno.ECONNREFUSED, f"Connect call failed (mocked by aiohttpretty) {url.host}:{url.port}"
        )
        return exception(_seam.connection_key(url), refused)
    return exception()


async def _call_back(route: Route, call: Call, default: ResponseSpec) -> ResponseSpec:
    callback: Callable[[Call], Any] = route.callback  # type: ignore[assignment]
    result = callback(call)
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return default
    name = getattr(callback, "__qualname__", repr(callback))
    if not isinstance(result, Mapping):
        raise TypeError(
            f"the callback {name} of route {route.describe()} returned {result!r}; "
            f"return a dict of response options ({', '.join(CALLBACK_RESULT_OPTIONS)}) or None"
        )
    options = dict(result)
    unknown = [key for key in options if key not in CALLBACK_RESULT_OPTIONS]
    if unknown:
        raise TypeError(
            f"the callback {name} of route {route.describe()} returned unknown option(s) {unknown}; "
            f"valid: {', '.join(CALLBACK_RESULT_OPTIONS)}"
        )
    # The entry point's defaults (reason phrase, Content-Length) apply as to the route's own responses.
    like_server = default.like_server
    if "json" in options:
        if "body" in options:
            raise TypeError(f"the callback {name} returned both body and json: give one")
        return ResponseSpec.json(options.pop("json"), **options, like_server=like_server)
    return ResponseSpec(**options, like_server=like_server)


def _send_head_alone(channel: Channel, spec: ResponseSpec, call: Call, body_length: int | None) -> bool:
    """Send the head of a response without body; return whether the connection
    may carry the next request (not after a 1xx or ``Connection: close``)."""
    head = spec.head(body_length, call.method)
    call.response = SentResponse(head, b"")
    channel.send(head)
    return spec.status >= 200 and not spec.framing.closes


def _send_at_once(channel: Channel, spec: ResponseSpec, call: Call) -> bool | None:
    """Send a response that needs no waiting (a head alone, or a bytes body of
    one chunk) and return whether the connection may carry the next request;
    ``None`` when the response cannot be sent at once."""
    if spec.message is not None and call.method != "HEAD":
        call.response = SentResponse(spec.message, spec.body)  # type: ignore[arg-type]
        channel.send(spec.message)
        return spec.message_framed
    body = spec.body
    if isinstance(body, bytes) and _wire.has_no_body(call.method, spec.status):
        return _send_head_alone(channel, spec, call, len(body))
    return None


async def _send(channel: Channel, spec: ResponseSpec, call: Call) -> bool:
    """Write the response for ``call`` into ``channel``, as a server would;
    return whether the connection may carry the next request."""
    body = spec.body
    if isinstance(body, InvalidBody):
        route = call.route
        raise _Unsendable(
            TypeError(
                f"the route {route.describe() if route else call.method + ' ' + str(call.url)} "
                f"has a body of type {type(body.body).__name__}, which cannot be sent; "
                f"register bytes, str, a list of chunks, an async iterator or a stream with an async read()"
            )
        )
    keep_alive = _send_at_once(channel, spec, call)
    if keep_alive is not None:
        return keep_alive
    if _wire.has_no_body(call.method, spec.status):
        known = body.length if isinstance(body, Chunks) else None
        return _send_head_alone(channel, spec, call, known)
    if is_one_shot(body):
        if spec.one_shot_sent:
            route = call.route
            raise _Unsendable(
                TypeError(
                    f"the route {route.describe() if route else call.url} has a body that can be read once "
                    f"({type(body.source if isinstance(body, Chunks) else body).__name__}), and an earlier "
                    f"request read it; register bytes or a list of chunks to answer every request, or "
                    f"responses=[...] with a body each"
                )
            )
        spec.one_shot_sent = True
    chunked = spec.framing.chunked
    if isinstance(body, bytes):
        length: int | None = len(body)
        chunks: AsyncIterator[bytes] = _slices(body)
    elif spec.reads_whole_body and (not isinstance(body, Chunks) or body.length is None):
        # auto_length=True: a stream or async iterator is read whole, to count it.
        data = b"".join([piece async for piece in body]) if isinstance(body, Chunks) else await body.read()
        length, chunks = len(data), _slices(data)
    elif isinstance(body, Chunks):
        # A list's length is known in advance; it is still sent chunk by chunk.
        length, chunks = body.length, _one_by_one(body)
    else:
        length, chunks = None, _stream_chunks(body)
    head = spec.head(None if chunked else length, call.method)
    # The body as sent is kept; a stream's only up to KEPT_STREAM_BYTES, so
    # that a test streaming a large download does not hold it in memory.
    limit = KEPT_STREAM_BYTES if is_one_shot(body) and not isinstance(body, bytes) else math.inf
    sent: list[bytes] | None = []
    size = 0
    call.response = response = SentResponse(head, None)
    channel.send(head)
    try:
        async for piece in chunks:
            if piece:
                await channel.drain()
                size += len(piece)
                response.streamed = size
                if sent is not None and size > limit:
                    sent = None  # a stream too large to keep
                if sent is not None:
                    sent.append(piece)
                channel.send(_wire.chunk(piece) if chunked else piece)
    except BaseException:
        await close_source(body)  # the client went away, or the body broke
        raise
    if chunked:
        channel.send(_wire.LAST_CHUNK)
    if sent is not None:
        response.body = b"".join(sent)
    return spec.framed(length)


async def _misbehave(channel: Channel, spec: ResponseSpec, call: Call, fault: Fault) -> None:
    """Send ``spec`` as a misbehaving server would (:mod:`aiohttpretty.faults`)."""
    headers = [(n, v) for n, v in spec.headers if n.lower() not in ("content-length", "transfer-encoding")]
    if fault.kind == "reset_in_head":
        head = _wire.response_head(spec.status, spec.reason, headers)
        channel.send(head[: max(1, head.index(b" ") + 2)])
        await asyncio.sleep(0)
        channel.fail(aiohttp.ClientOSError(errno.ECONNRESET, "Connection reset by peer"))
        return
    pieces = await _pieces(spec.body)
    body = b"".join(pieces)
    length = len(body) + int(fault.amount) if fault.kind == "short_body" else len(body)
    head = _wire.response_head(spec.status, spec.reason, [*headers, ("Content-Length", str(length))])
    call.response = response = SentResponse(head, None)
    channel.send(head)
    if fault.kind == "close_after":
        body = body[: int(fault.amount)]
        pieces = [body]
    elif fault.kind == "pause" and fault.chunk_size:
        size = fault.chunk_size
        pieces = [body[start : start + size] for start in range(0, len(body), size)]
    sent = []
    for number, piece in enumerate(pieces):
        if fault.kind == "pause" and number:
            await asyncio.sleep(fault.amount)
        await channel.drain()
        sent.append(piece)
        channel.send(piece)
    response.body = b"".join(sent)
    if fault.kind == "pause":
        channel.end(True)
    else:
        await asyncio.sleep(0)
        channel.fail()


async def _pieces(body: Any) -> list[bytes]:
    if isinstance(body, bytes):
        return [body]
    if isinstance(body, Chunks):
        return [piece async for piece in _one_by_one(body)]
    if isinstance(body, InvalidBody):
        raise _Unsendable(TypeError(f"a body of type {type(body.body).__name__} cannot be sent"))
    return [await body.read()]


async def _slices(data: bytes) -> AsyncIterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), ONE_CHUNK):
        yield bytes(view[start : start + ONE_CHUNK])


async def _one_by_one(body: Chunks) -> AsyncIterator[bytes]:
    first = True
    async for piece in body:
        if not isinstance(piece, bytes):
            raise _Unsendable(
                TypeError(f"a streamed body yielded {type(piece).__name__} ({piece!r:.60}), not bytes or str")
            )
        if not first:
            await asyncio.sleep(0)  # let the reader see each chunk on its own
        first = False
        yield piece


async def _stream_chunks(stream: Stream) -> AsyncIterator[bytes]:
    while piece := await stream.read(ONE_CHUNK):
        yield piece


def is_one_shot(body: object) -> bool:
    """Whether ``body`` is used up by the first request (an async iterator or a stream)."""
    return (isinstance(body, Chunks) and not isinstance(body.source, tuple)) or is_stream(body)


async def close_source(body: object) -> None:
    """Close the source of a streamed body that was not read to its end."""
    source = body.source if isinstance(body, Chunks) else body
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        await aclose()

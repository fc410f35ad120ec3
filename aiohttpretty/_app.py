"""Answering from an :class:`aiohttp.web.Application` in memory.

An :class:`AppMount` is a mount of the mock (consulted after the routes):
every request to its origin (and path prefix) is served by aiohttp's own
server-side protocol (:class:`aiohttp.web.RequestHandler`, made by the app's
:class:`aiohttp.web.AppRunner`) over an in-memory server transport, whose
writes go to the client's :class:`~._transport.Channel`.  No port is opened.

Each mocked client connection gets one server-side connection, kept while
the client's connection is: the recorded request is written to it as bytes,
and what the server writes back goes to the client as it comes.  The end of
each response is read from its framing, so the client's connection goes back
to the mock for the next request (a route still wins over the app); a ``101``
hands the connection over to the server for good (websockets).
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
import traceback
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _seam, _wire
from ._framing import ResponseEnd
from ._urls import normalise_url

if TYPE_CHECKING:
    from yarl import URL

    from ._transport import Channel, Pending
    from .records import Call

__all__ = ["SHUTDOWN_TIMEOUT", "AppMount", "Handler"]

#: How long a handler still running when the test ends may take to finish.
SHUTDOWN_TIMEOUT = 1.0

#: A single handler coroutine function, served for every path.
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

# The server-side connection whose handler runs now (its tasks inherit it).
_serving: contextvars.ContextVar[_ServerSide] = contextvars.ContextVar("aiohttpretty_serving")
_TLS: list[ssl.SSLContext] = []


def _tls() -> ssl.SSLContext:
    """What an ``https`` server connection reports as its ``sslcontext``."""
    if not _TLS:
        _TLS.append(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    return _TLS[0]


class _Logger:
    """The server's logger: an error it logs (a handler's exception) is a
    mistake of the request being served, reported when the test ends."""

    def exception(self, msg: str, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        side = _serving.get(None)
        if side is None or not isinstance(exc_info, BaseException):
            return
        if isinstance(exc_info, ConnectionResetError) and side.is_closing():
            return  # writing after the client went away: the client's choice, not a mistake
        side.channel.mistake(exc_info)

    error = exception

    def debug(self, *args: Any, **kwargs: Any) -> None:
        pass

    info = warning = debug


class _ServerSide(asyncio.transports._FlowControlMixin):
    """The server's end of one in-memory connection: its writes go to the client.

    asyncio's ``loop.sendfile`` (a :class:`~aiohttp.web.FileResponse`) writes
    the file through :meth:`write` in pieces, for a transport that says so
    and has asyncio's flow control (hence the mixin)."""

    _sendfile_compatible = asyncio.constants._SendfileMode.FALLBACK  # type: ignore[attr-defined]

    def __init__(self, mount: AppMount, channel: Channel) -> None:
        self._event_loop = asyncio.get_running_loop()
        super().__init__(loop=self._event_loop)
        self.channel = channel
        self._mount = mount
        self._closing = False
        self._end: ResponseEnd | None = None
        self._ended: asyncio.Future[bool] | None = None
        self._upgraded = False
        self.protocol: asyncio.Protocol | None = None
        self._extra = {
            "peername": ("127.0.0.1", 0),
            "sockname": (channel.url.host, channel.url.port),
            "sslcontext": _tls() if channel.url.scheme in ("https", "wss") else None,
        }

    def exchange(self, head: _wire.RequestHead, body: bytes) -> asyncio.Future[bool]:
        """Write a request to the server; the future is done when its response
        ended (and the client's connection was handed back or closed)."""
        assert self.protocol is not None
        self._end = ResponseEnd(head.method, head.expects_continue)
        self._ended = asyncio.get_running_loop().create_future()
        if head.chunked:
            body = (_wire.chunk(body) if body else b"") + _wire.LAST_CHUNK
        line = f"{head.method} {head.target} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
        self.protocol.data_received(line + head.header_lines + b"\r\n" + body)
        return self._ended

    def write(self, data: bytes | bytearray | memoryview) -> None:
        data = bytes(data)
        if self._upgraded:
            self.channel.send(data)
            return
        end = self._end
        if end is None or end.done:
            return  # nothing asked for it
        sent, _ = end.feed(data)
        self.channel.send(sent)
        if end.done:
            if end.status == 101:
                self._upgraded = True
                assert self.protocol is not None
                self.channel.take_over(self.protocol.data_received, self.client_closed)
            self._finish(end.keeps_alive)

    def _finish(self, keeps_alive: bool) -> None:
        """The response ended: the client's connection may carry the next
        request at once (the client may write it before any task runs)."""
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(keeps_alive)
            if not self._upgraded:
                self.channel.end(keeps_alive)

    def client_closed(self) -> None:
        if self.protocol is not None and not self._closing:
            self._closing = True
            if not self._event_loop.is_closed():
                self._event_loop.call_soon(self.protocol.connection_lost, None)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def close(self) -> None:
        """The server closes the connection: the response (if any) ends here."""
        if self._closing:
            return
        self._closing = True
        self._mount.forget(self.channel)
        self._finish(False)
        if self._upgraded:
            self.channel.fail()
        if self.protocol is not None:
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def is_closing(self) -> bool:
        return self._closing

    def can_write_eof(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol  # type: ignore[assignment]

    def is_reading(self) -> bool:
        return True

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass


class AppMount:
    """A mount serving every request under ``origin`` (a URL: scheme, host,
    port, optionally a path prefix) from ``app``, an
    :class:`aiohttp.web.Application` or a single handler coroutine function.
    The app starts on its first request and is cleaned up by :meth:`close`."""

    def __init__(self, origin: Any, app: web.Application | Handler) -> None:
        try:
            url: URL | None = normalise_url(origin)
        except (TypeError, ValueError):
            url = None
        if url is None or url.query_string or url.fragment:
            raise ValueError(
                f"register_app() takes an origin such as 'https://api.example.com' (optionally with a "
                f"path prefix), got {origin!r}"
            )
        if not isinstance(app, web.Application) and not callable(app):
            raise TypeError(
                f"register_app() serves an aiohttp.web.Application or a handler coroutine function "
                f"(async def handler(request)), got {app!r}"
            )
        self.origin = url
        self.app = app
        self._place = (url.scheme, url.host, url.port)
        self._prefix = url.path.rstrip("/")
        self._runner: web.BaseRunner | None = None
        self._starting: asyncio.Future[web.BaseRunner] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sides: weakref.WeakKeyDictionary[Any, _ServerSide] = weakref.WeakKeyDictionary()

    def accepts(self, call: Call) -> AppMount | None:
        """This mount, when ``call`` is under its origin (and path prefix)."""
        url = call.url
        if (url.scheme, url.host, url.port) != self._place:
            return None
        prefix = self._prefix
        return self if not prefix or url.path == prefix or url.path.startswith(prefix + "/") else None

    def explain(self, call: Call) -> str | None:
        return None  # the closest routes say enough

    def respond(self, call: Call, channel: Channel) -> Pending | None:
        runner = self._runner
        if runner is None or not _seam.ANSWER_AT_ONCE:
            return self._serve(channel)  # starts the app first, or lets aiohttp's writing task end
        assert channel.request_head is not None
        self._side(channel, runner).exchange(channel.request_head, call.body)
        return None  # the server's own task answers

    def forget(self, channel: Channel) -> None:
        self._sides.pop(channel, None)

    async def _start(self) -> web.BaseRunner:
        if self._runner is not None:
            return self._runner
        if self._starting is None:
            self._loop = asyncio.get_running_loop()
            self._starting = self._loop.create_future()
            app = self.app
            options: dict[str, Any] = {"logger": _Logger(), "access_log": None}
            runner: web.BaseRunner
            if isinstance(app, web.Application):
                runner = web.AppRunner(app, **options)
            else:
                runner = web.ServerRunner(web.Server(app, **options))
            try:
                await runner.setup()
            except BaseException as exc:
                self._starting.set_exception(exc)
                self._starting.exception()  # retrieved: each request reports it
                raise
            self._runner = runner
            self._starting.set_result(runner)
            return runner
        return await asyncio.shield(self._starting)

    async def _serve(self, channel: Channel) -> None:
        if not _seam.ANSWER_AT_ONCE:
            await asyncio.sleep(0)  # the task writing the request ends first
        head = channel.request_head
        assert head is not None and channel.call is not None
        try:
            runner = await self._start()
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc))
            channel.mistake(
                _StartupFailed(f"the app registered for {self.origin} failed to start:\n{detail}")
            )
            channel.fail(exc)
            return
        await self._side(channel, runner).exchange(head, channel.call.body)

    def _side(self, channel: Channel, runner: web.BaseRunner) -> _ServerSide:
        """The server's end of ``channel``, connected to the app's server."""
        side = self._sides.get(channel)
        if side is None or side.is_closing():
            side = self._sides[channel] = _ServerSide(self, channel)
            server = runner.server
            assert server is not None
            token = _serving.set(side)
            try:
                side.protocol = server()
                side.protocol.connection_made(side)
            finally:
                _serving.reset(token)
            channel.watch(side.client_closed)  # the client went away: so does the server's peer
        return side

    def close(self) -> None:
        """Clean the app up (``on_shutdown``, ``on_cleanup``, ``cleanup_ctx``),
        on the event loop it started on, if it started: from a coroutine, the
        cleanup is only scheduled (await :meth:`aclose` instead)."""
        loop = self._loop
        if self._runner is None or loop is None or loop.is_closed():
            return
        if loop.is_running():
            loop.create_task(self.aclose())
        else:
            loop.run_until_complete(self.aclose())

    async def aclose(self) -> None:
        """Stop serving: the server's connections are closed (a handler still
        running gets :data:`SHUTDOWN_TIMEOUT` seconds), then the app is cleaned up."""
        runner = self._runner
        self._runner = self._starting = None
        self._sides.clear()
        if runner is None:
            return
        server = runner.server
        if server is not None:
            for connection in server.connections:
                connection.close()  # an idle one at once, a busy one after its response
            await server.shutdown(SHUTDOWN_TIMEOUT)
        await runner.cleanup()


class _StartupFailed(Exception):
    """An app registered with ``register_app`` failed at startup."""

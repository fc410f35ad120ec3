"""Registering websockets: the part of the mock's API that
:meth:`~aiohttpretty.AioHTTPretty.register_websocket` is, and what the mock
keeps of its websockets (the conversations, the failures of their handlers)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _websocket
from ._background import Background, ResponderError
from ._websocket_records import WebSocketConversation
from .records import Call

if TYPE_CHECKING:
    from ._registering import URIPattern
    from ._websocket_server import Handler
    from .routes import Registry, Route

__all__ = ["WebSocketRoutes"]


class WebSocketRoutes:
    """The websocket routes of a mock (a base of :class:`~aiohttpretty.AioHTTPretty`)."""

    _registry: Registry
    _background: Background
    #: Every websocket a websocket route answered: the handshake and the
    #: messages both ways.
    websockets: list[WebSocketConversation]

    def _add_route(self, route: Route) -> None: ...

    def register_websocket(
        self,
        /,
        uri: URIPattern,
        handler: Handler | None = None,
        *,
        messages: Sequence[Any] | None = None,
        echo: bool = False,
        close: int | tuple[int, str | bytes] | None = None,
        protocols: Sequence[str] = (),
        compress: bool = True,
        max_msg_size: int = 4 * 1024 * 1024,
        autoclose: bool = True,
        autoping: bool = True,
        receive_timeout: float | None = None,
        timeout: float = 10.0,
        status: int | None = None,
        reason: str | None = None,
        headers: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: str | bytes | None = None,
        method: str = "GET",
        params: Any = None,
        times: int | None = None,
        match_headers: Mapping[str, Any] | None = None,
        match: Callable[[Call], Any] | None = None,
        match_params_partial: bool = False,
        optional: bool = False,
        name: str | None = None,
        **unknown: Any,
    ) -> Route:
        """Register a websocket at ``uri``: ``session.ws_connect(uri)`` gets a
        real ``101 Switching Protocols`` and speaks websocket frames with it.

        ``handler`` is an ``async def handler(ws)`` given the server side, a
        :class:`~aiohttpretty.WebSocket`; when it returns, the websocket is
        closed (code 1000), and when it raises, closed with 1011 and the test
        fails at its end.  Without a handler: ``messages`` are sent first
        (``str`` as text, ``bytes`` as binary, other data as JSON text); then
        the websocket is closed with ``close`` (a code, or ``(code,
        message)``), or else reads until the client closes, sending back what
        it receives with ``echo=True``.

        The handshake is a server's: ``protocols`` are the subprotocols it
        agrees to (the first the client asks for that is listed),
        ``compress=False`` declines ``permessage-deflate``; ``status`` (e.g.
        403, with ``reason``, ``headers`` and ``body``) refuses every handshake,
        so ``ws_connect`` raises :class:`aiohttp.WSServerHandshakeError`;
        without ``status``, ``headers`` are added to the 101.
        ``max_msg_size``, ``autoclose``, ``autoping``, ``receive_timeout`` and
        ``timeout`` (of the close handshake) are those of
        :class:`aiohttp.web.WebSocketResponse`.  The route matches as HTTP
        routes do (``method``, ``params``, ``times``, ``match_headers``,
        ``match``, ``match_params_partial``), websocket upgrade requests only;
        ``optional`` and ``name`` are those of HTTP routes (:ref:`options`).
        An unknown option raises :class:`TypeError`.
        """
        options = _given(locals())
        route = _websocket.build_websocket_route(uri, options, self.websockets, self._background)
        self._add_route(route)
        return route

    @property
    def errors(self) -> list[ResponderError]:
        """Failures of responders: websocket handlers that raised, or were
        still running when the test ended.  Each fails the test at its end."""
        return self._background.errors

    def stop_background(self) -> None:
        """Cancel what responders still run (websocket handlers); those whose
        connection is still open are added to :attr:`errors`."""
        self._background.stop()


_WEBSOCKET_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(WebSocketRoutes.register_websocket).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY or name == "handler"
}


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The options of a ``register_websocket`` call not at their default, and the unknown ones."""
    options = {
        name: value
        for name, default in _WEBSOCKET_DEFAULTS.items()
        if not _is_default(value := arguments[name], default)
    }
    options.update(arguments["unknown"])
    return options


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)

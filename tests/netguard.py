"""A network guard for tests: while it is on, every way aiohttp could reach the
network raises :class:`NetworkAttempt` and is recorded.

Guarded: ``socket.socket.connect``/``connect_ex``, sending on an internet
(AF_INET/AF_INET6) socket, ``socket.getaddrinfo``/``create_connection``, the
event loop's ``getaddrinfo``/``create_connection``/``create_unix_connection``/
``sock_connect``/``start_tls``, and ``ssl.SSLContext.wrap_socket``/``wrap_bio``.
The event loop methods are patched on the loop classes, so loops created while
the guard is on (``IsolatedAsyncioTestCase`` makes one per test) are guarded too.

Not a test module (its name does not start with ``test``): the guard is shared by
the reliability tests.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import unittest
from types import TracebackType
from typing import Any, Callable

__all__ = ["GuardedTestMixin", "NetworkAttempt", "NetworkGuard"]

_LOOP_METHODS = (
    "getaddrinfo",
    "create_connection",
    "create_unix_connection",
    "sock_connect",
    "start_tls",
)
_SEND_METHODS = ("send", "sendall", "sendto", "sendmsg")
_INTERNET = (socket.AF_INET, socket.AF_INET6)


class NetworkAttempt(AssertionError):
    """Something tried to reach the network while the guard was on."""


def _loop_classes() -> list[type]:
    loop = asyncio.new_event_loop()
    try:
        return [cls for cls in type(loop).__mro__ if cls is not object]
    finally:
        loop.close()


class NetworkGuard:
    """A context manager making every network access fail loudly.

    ``attempts`` lists what was tried (``'socket.connect'``, ``'loop.getaddrinfo'``...),
    in order, even when the caller swallowed the :class:`NetworkAttempt`.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._saved: list[tuple[Any, str, Any]] = []

    def _refuse(self, what: str) -> NetworkAttempt:
        self.attempts.append(what)
        return NetworkAttempt(f"network guard: {what} was called while aiohttp is mocked")

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._saved.append((owner, name, owner.__dict__[name] if name in owner.__dict__ else _MISSING))
        setattr(owner, name, replacement)

    def _refusing(self, what: str) -> Callable[..., Any]:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise self._refuse(what)

        return refuse

    def _refusing_coroutine(self, what: str) -> Callable[..., Any]:
        async def refuse(*args: Any, **kwargs: Any) -> Any:
            raise self._refuse(what)

        return refuse

    def _refusing_send(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def send(sock: socket.socket, *args: Any, **kwargs: Any) -> Any:
            # The event loop's self-pipe is an AF_UNIX socket pair: let it work.
            if sock.family in _INTERNET:
                raise guard._refuse(f"socket.{name}")
            return original(sock, *args, **kwargs)

        return send

    def __enter__(self) -> NetworkGuard:
        try:
            for name in ("connect", "connect_ex"):
                self._patch(socket.socket, name, self._refusing(f"socket.{name}"))
            for name in _SEND_METHODS:
                self._patch(socket.socket, name, self._refusing_send(name, getattr(socket.socket, name)))
            for name in ("getaddrinfo", "create_connection"):
                self._patch(socket, name, self._refusing(f"socket.{name}"))
            for name in ("wrap_socket", "wrap_bio"):
                self._patch(ssl.SSLContext, name, self._refusing(f"ssl.SSLContext.{name}"))
            for cls in _loop_classes():
                for name in _LOOP_METHODS:
                    if name in cls.__dict__:
                        self._patch(cls, name, self._refusing_coroutine(f"loop.{name}"))
        except BaseException:
            self._restore()
            raise
        return self

    def _restore(self) -> None:
        while self._saved:
            owner, name, original = self._saved.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._restore()


_MISSING = object()


class GuardedTestMixin(unittest.TestCase):
    """Runs each test under a :class:`NetworkGuard` (``self.guard``) and fails
    the test at cleanup if anything tried to reach the network."""

    def setUp(self) -> None:
        self.guard = NetworkGuard().__enter__()
        # Cleanups run last-in first-out: this check runs after every other cleanup.
        self.addCleanup(self._check_no_network)
        self.addCleanup(self.guard.__exit__, None, None, None)
        super().setUp()

    def _check_no_network(self) -> None:
        self.assertEqual(self.guard.attempts, [], "a request reached for the network")

    def assertNoNetwork(self) -> None:
        """Fail now if anything tried to reach the network so far."""
        self.assertEqual(self.guard.attempts, [], "a request reached for the network")

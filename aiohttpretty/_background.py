"""What responders do besides answering: the work that goes on after a
response (a websocket handler runs as long as its websocket), and the
failures of responders, which fail the test at its end.

A responder runs such work with :meth:`Background.run`, and the work says
when it ends with :meth:`Background.ended`.  When the test ends,
:meth:`Background.stop` cancels the work still running; work whose
connection is still open then was not finished by the test, and is reported
like a failure.  The verdict (:meth:`~aiohttpretty.lifecycle.Lifecycle.verdict`)
reports :attr:`Background.errors`, even when the code under test swallowed
what the client saw (a websocket closed with 1011, say).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .records import Call

__all__ = ["Background", "ResponderError", "responder_errors_message"]


class ResponderError:
    """A responder that failed: what it was, the request it answered, and the
    exception (with its traceback as text) or, for work still running when the
    test ended, ``None``."""

    __slots__ = ("call", "exception", "traceback", "what")

    def __init__(self, what: str, call: Call | None, exception: BaseException | None, text: str) -> None:
        #: What failed, e.g. ``"websocket handler chat() of GET ws://chat.test/room"``.
        self.what = what
        #: The request it answered.
        self.call = call
        #: The exception it raised, or ``None`` (it was still running).
        self.exception = exception
        #: The traceback, or where the work was when it was cancelled.
        self.traceback = text

    def __repr__(self) -> str:
        return f"<ResponderError {self.what}: {self.exception!r}>"


class _Work:
    __slots__ = ("call", "describe", "still_open")

    def __init__(
        self, describe: Callable[[], str], call: Call | None, still_open: Callable[[], bool]
    ) -> None:
        self.describe = describe
        self.call = call
        self.still_open = still_open


class Background:
    """The work of one mock's responders that outlives a response, and the
    failures of its responders."""

    def __init__(self) -> None:
        #: Responder failures, in the order they happened.
        self.errors: list[ResponderError] = []
        self._running: dict[asyncio.Task[None], _Work] = {}

    def run(
        self,
        work: Coroutine[Any, Any, None],
        describe: Callable[[], str],
        call: Call | None,
        still_open: Callable[[], bool],
    ) -> asyncio.Task[None]:
        """Run ``work`` as a task until it ends or the test does; ``describe``
        names it for a report (asked only then); ``still_open`` says whether
        its connection is still open (then a test ending while it runs did not
        finish it).  The work calls :meth:`ended` as it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._running[task] = _Work(describe, call, still_open)
        return task

    def ended(self) -> None:
        """The running work (the current task) ends: it is no longer tracked."""
        task = asyncio.current_task()
        if task is not None:
            self._running.pop(task, None)

    def interrupted(self, what: str, call: Call | None) -> None:
        """The running work was cancelled, its connection open: by
        :meth:`stop` (reported there), or else by someone else, the event loop
        ending under it (``asyncio.run`` returned, a test's loop closed)."""
        task = asyncio.current_task()
        if task is not None and task in self._running:
            self.errors.append(
                ResponderError(
                    what,
                    call,
                    None,
                    "it was cancelled while its connection was still open "
                    "(did the test end without closing it?)",
                )
            )

    def failed(self, what: str, call: Call | None, exc: BaseException) -> None:
        """A responder failed with ``exc``."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.errors.append(ResponderError(what, call, exc, text))

    def stop(self) -> None:
        """The test ended: cancel the work still running.  Work whose
        connection is still open is reported, with where it was."""
        for task, work in list(self._running.items()):
            del self._running[task]
            if task.done():
                continue
            if work.still_open():
                self.errors.append(ResponderError(work.describe(), work.call, None, _where(task)))
            try:
                task.cancel()
            except RuntimeError:  # its event loop is closed: it will never run again
                pass

    def clear(self) -> None:
        self.errors.clear()


def _where(task: asyncio.Task[None]) -> str:
    """Where ``task`` waits: the chain of coroutines it is suspended in."""
    frames = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            frames.append((frame, frame.f_lineno))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    where = "".join(traceback.StackSummary.extract(iter(frames)).format())
    return "it was still running when the test ended, and was cancelled" + (
        f"; it was waiting at:\n{where}" if where else ""
    )


def responder_errors_message(errors: list[ResponderError]) -> str | None:
    """The failures of responders, for the test's end."""
    if not errors:
        return None
    parts = ["Mocked responders failed:"]
    for error in errors:
        request = f" (request {error.call.method} {error.call.url})" if error.call is not None else ""
        parts.append(f"  {error.what}{request}:")
        parts.extend("    " + line for line in error.traceback.rstrip().splitlines())
    return "\n".join(parts)

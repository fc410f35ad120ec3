"""A cassette's exchanges answering requests: the mount a mock consults after
its routes (see :mod:`.cassettes` for the whole story)."""

from __future__ import annotations

import difflib
import os
import pathlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ._cassette_file import DEFAULT_FILTERED_HEADERS, PLACEHOLDER, CassetteError, Exchange, load, save
from ._replay import Record, Replay, response_bytes
from ._urls import location, query_key
from ._vcr import YAML_SUFFIXES, load_vcr
from .records import Call

__all__ = [
    "MATCH_ON",
    "RECORD_MODES",
    "Cassette",
    "check_mode",
    "record_mode_override",
    "set_record_mode_override",
]

#: The record modes.
RECORD_MODES = ("once", "none", "new_episodes", "all")
#: What a request can be matched on to a recorded one.
MATCH_ON = ("method", "url", "headers", "body")

_override: list[str] = []


def set_record_mode_override(mode: str | None) -> None:
    """Make every cassette use ``mode`` (``None``: each its own)."""
    if mode is not None:
        check_mode(mode, "the record mode override")
    _override[:] = [] if mode is None else [mode]


def record_mode_override() -> str | None:
    """The mode every cassette uses, if one is set (see :func:`set_record_mode_override`)."""
    if _override:
        return _override[0]
    mode = os.environ.get("AIOHTTPRETTY_RECORD_MODE") or None
    if mode is not None:
        check_mode(mode, "AIOHTTPRETTY_RECORD_MODE")
    return mode


def check_mode(mode: Any, where: str) -> None:
    if mode not in RECORD_MODES:
        raise ValueError(f"{where} must be one of {', '.join(RECORD_MODES)}; got {mode!r}")


class Cassette:
    """The recorded exchanges of one file, answering requests as a mount of a
    mock (consulted after its routes).  See :func:`cassette` for the options."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "once",
        *,
        match_on: Sequence[str] = ("method", "url"),
        filter_headers: Iterable[str] = (),
        keep_headers: Iterable[str] = (),
        filter_query: Iterable[str] = (),
        before_record: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
    ) -> None:
        check_mode(mode, "cassette(mode=...)")
        unknown = [name for name in match_on if name not in MATCH_ON]
        if unknown or not match_on:
            raise ValueError(f"cassette(match_on=...) takes some of {', '.join(MATCH_ON)}; got {match_on!r}")
        if before_record is not None and not callable(before_record):
            raise TypeError(f"cassette(before_record=...) must be a function; got {before_record!r}")
        self.path = pathlib.Path(path)
        self.mode = record_mode_override() or mode
        self.match_on = tuple(match_on)
        keep = {name.lower() for name in keep_headers}
        self.filter_headers = frozenset(
            name.lower() for name in (*DEFAULT_FILTERED_HEADERS, *filter_headers) if name.lower() not in keep
        )
        self.filter_query = frozenset(filter_query)
        self.before_record = before_record
        exists = self.path.exists()
        if self.mode == "none" and not exists:
            raise CassetteError(
                f"cassette {self.path} does not exist, and record mode 'none' only replays: "
                f"record it first (mode 'once', or AIOHTTPRETTY_RECORD_MODE=once)"
            )
        vcr = self.path.suffix.lower() in YAML_SUFFIXES
        if vcr and (self.mode in ("all", "new_episodes") or not exists):
            raise CassetteError(
                f"cassette {self.path} is a vcrpy YAML cassette, which is only read: replay it with "
                f"mode 'once' or 'none', and record to a .json file"
            )
        #: The recorded exchanges, in order (those loaded, then those recorded now).
        self.exchanges: list[Exchange] = []
        if exists and self.mode != "all":
            self.exchanges = load_vcr(self.path) if vcr else load(self.path)
        #: Whether requests not in the cassette go to the real server and are recorded.
        self.recording = self.mode in ("all", "new_episodes") or (self.mode == "once" and not exists)
        self._changed = self.mode == "all" or not exists
        self._index: dict[tuple[Any, ...], list[Exchange]] = {}
        for exchange in self.exchanges:
            self._index.setdefault(self._key(exchange.method, exchange.url_key), []).append(exchange)
        # The response bytes of each exchange, made now as a route's are when it
        # is registered: a replay costs a request no more than a route does.
        self._replays: dict[int, Replay] = {
            id(exchange): self._built(exchange, "GET") for exchange in self.exchanges
        }

    def _key(self, method: str, url_key: tuple[Any, ...]) -> tuple[Any, ...]:
        return (method if "method" in self.match_on else None, url_key if "url" in self.match_on else None)

    def _url_key(self, call: Call) -> tuple[Any, ...]:
        url = call.url
        if self.filter_query and any(name in self.filter_query for name in url.query):
            url = url.with_query(
                [(k, PLACEHOLDER if k in self.filter_query else v) for k, v in url.query.items()]
            )
        return (location(url), query_key(url))

    def _fits(self, exchange: Exchange, call: Call) -> bool:
        if "body" in self.match_on and exchange.request_body != call.body:
            return False
        if "headers" in self.match_on:
            for name, value in exchange.request_headers:
                if name.lower() not in self.filter_headers and call.headers.get(name) != value:
                    return False
        return True

    # The mount: consulted by the mock after its routes.
    def accepts(self, call: Call) -> Replay | Record | None:
        """The responder for ``call``: the next unused recorded exchange that
        matches it, a recording when the cassette records, else ``None``."""
        candidates = self._index.get(self._key(call.method, self._url_key(call)))
        if candidates:
            for exchange in candidates:
                if not exchange.used and self._fits(exchange, call):
                    exchange.used = True
                    return self._replay(exchange, call.method)
        if self.recording:
            return Record(self._recorded)
        return None

    def _replay(self, exchange: Exchange, method: str) -> Replay:
        if method == "HEAD":
            return self._built(exchange, method)
        replay = self._replays.get(id(exchange))
        if replay is None:
            replay = self._replays[id(exchange)] = self._built(exchange, method)
        return replay

    @staticmethod
    def _built(exchange: Exchange, method: str) -> Replay:
        data, keep_alive = response_bytes(
            method,
            exchange.status,
            exchange.reason,
            exchange.response_headers,
            exchange.response_body,
            exchange.chunked,
        )
        return Replay(data, keep_alive)

    def _recorded(self, call: Call, head: Any, body: bytes, chunked: bool) -> None:
        exchange = Exchange(
            call.method,
            str(call.url),
            list(call.headers.items()),
            call.body,
            head.status,
            head.reason,
            list(head.headers),
            body,
            chunked,
        )
        exchange.used = True
        self.exchanges.append(exchange)
        self._changed = True

    def close(self) -> None:
        """Nothing to release: the cassette is saved by whoever mounted it."""

    async def aclose(self) -> None:
        """Nothing to release (see :meth:`close`)."""

    def explain(self, call: Call, limit: int = 3) -> str:
        """Why the cassette did not answer ``call``, naming the closest recorded requests."""
        lines = [f"Cassette {self.path} (record mode {self.mode!r}) has no unused exchange for it."]
        if not self.exchanges:
            return lines[0] + " It holds no exchanges."
        target = f"{call.method} {call.url}"
        ranked = sorted(
            self.exchanges,
            key=lambda e: -difflib.SequenceMatcher(None, f"{e.method} {e.url}", target).ratio(),
        )
        lines.append(f"Closest recorded requests (matched on {', '.join(self.match_on)}):")
        for exchange in ranked[:limit]:
            note = " (already replayed: each recorded exchange answers once)" if exchange.used else ""
            lines.append(
                f"  exchange {self.exchanges.index(exchange) + 1}: {exchange.method} {exchange.url}{note}"
            )
        return "\n".join(lines)

    def unused(self) -> list[Exchange]:
        """The recorded exchanges no request used."""
        return [exchange for exchange in self.exchanges if not exchange.used]

    def unused_message(self) -> str | None:
        """What ``assert_all_called`` reports about this cassette, or ``None``."""
        unused = self.unused()
        if not unused:
            return None
        lines = [f"Recorded exchanges of cassette {self.path} were never requested:"]
        lines += [f"  {exchange.method} {exchange.url}" for exchange in unused]
        return "\n".join(lines)

    def save(self) -> None:
        """Write the cassette (when something was recorded), atomically."""
        if self._changed:
            save(self.path, self.exchanges, self.filter_headers, self.filter_query, self.before_record)
            self._changed = False

"""The benchmark of a mocked aiohttp request (``make bench``; see README.md here).

In one process it measures the median time per request of::

    async with session.get(url) as response:
        await response.json()

through aiohttpretty (1 to 10,000 registered routes), a real aiohttp.web server
on 127.0.0.1, and a floor: aiohttp's own client with the cheapest in-memory
transport.  aioresponses runs in a subprocess, in a virtual environment of its
own (it needs an older aiohttp).  It then times 1,000 concurrent requests and
the peak memory of 100,000 requests, prints a table, whether each target is
met, and a last line of ``key=value`` figures.

    python benchmarks/bench.py           # the full run
    python benchmarks/bench.py --quick   # a fast smoke run, fewer rounds
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's aiohttpretty, installed or not

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from aiohttp.client_proto import ResponseHandler  # noqa: E402

import aiohttpretty  # noqa: E402
from aiohttpretty import AioHTTPretty  # noqa: E402

BODY = {"id": 1, "name": "item", "tags": ["a", "b"]}
BODY_BYTES = json.dumps(BODY).encode("utf-8")
ROUTE_COUNTS = (1, 10, 100, 1_000, 10_000)

AIORESPONSES_VENV = HERE / ".venv-aioresponses"
AIORESPONSES_REQUIREMENTS = HERE / "requirements-aioresponses.txt"
AIORESPONSES_WORKER = HERE / "aioresponses_worker.py"

Request = Callable[[], Awaitable[None]]


@dataclass
class Settings:
    passes: int  # each scenario is measured in this many separate passes, interleaved
    rounds: int  # timed rounds per pass
    warmup: int  # untimed rounds before each pass
    batch: int  # requests per round
    gather_rounds: int
    memory_requests: int


FULL = Settings(passes=3, rounds=30, warmup=3, batch=100, gather_rounds=15, memory_requests=100_000)
QUICK = Settings(passes=1, rounds=5, warmup=1, batch=20, gather_rounds=2, memory_requests=10_000)


# Timing.
async def time_rounds(request: Request, settings: Settings) -> list[float]:
    """Seconds per request, one sample per round of ``batch`` requests."""
    batch = settings.batch
    for _ in range(settings.warmup * batch):
        await request()
    samples = []
    for _ in range(settings.rounds):
        start = time.perf_counter()
        for _ in range(batch):
            await request()
        samples.append((time.perf_counter() - start) / batch)
    return samples


def getter(session: aiohttp.ClientSession, url: str) -> Request:
    async def request() -> None:
        async with session.get(url) as response:
            await response.json()

    return request


def cycling_getter(session: aiohttp.ClientSession, urls: list[str]) -> Request:
    """Each request for the next of ``urls``, round and round."""
    turn = itertools.cycle(urls)

    async def request() -> None:
        async with session.get(next(turn)) as response:
            await response.json()

    return request


async def check(session: aiohttp.ClientSession, url: str) -> None:
    async with session.get(url) as response:
        got = await response.json()
    if got != BODY:
        raise RuntimeError(f"{url} answered {got!r}, not the benchmark body")


# The scenarios: each an async context manager yielding the request to time.
def mock_with_routes(count: int, *, auto_length: bool = True) -> tuple[AioHTTPretty, str]:
    """A mock with ``count`` routes, and the URL of the last one registered.

    ``auto_length=True`` (the default of ``AioHTTPretty()``, given anyway)
    answers what the loopback server and the floor answer (``Content-Type``
    and ``Content-Length``), so the session keeps the connection alive as it
    does with them; ``False`` is the default of the module-level functions of
    the original API, without ``Content-Length``: read until the connection
    closes, a new connection per request.
    """
    mock = AioHTTPretty()
    for number in range(count):
        mock.register_json_uri("GET", f"http://api.test/items/{number}", body=BODY, auto_length=auto_length)
    return mock, f"http://api.test/items/{count - 1}"


@contextlib.asynccontextmanager
async def mocked(mock: AioHTTPretty, url: str, *, every_route: bool = False) -> AsyncIterator[Request]:
    """Requests for ``url``, or with ``every_route`` for each route in turn."""
    mock.activate()
    try:
        async with aiohttp.ClientSession() as session:
            await check(session, url)
            if every_route:
                yield cycling_getter(session, [str(route.url) for route in mock.registry.routes()])
            else:
                yield getter(session, url)
    finally:
        mock.deactivate()
        # Recorded calls are kept by design; drop them between passes so that
        # a pass does not pay for the memory of the previous ones.
        mock.calls.clear()
        for route in mock.registry.routes():
            route.calls.clear()


@contextlib.asynccontextmanager
async def loopback() -> AsyncIterator[Request]:
    """A real aiohttp.web server on 127.0.0.1, in the same event loop, with a
    keep-alive client session (as a test against a local server would run)."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=BODY_BYTES, content_type="application/json")

    app = web.Application()
    app.router.add_get("/items/0", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/items/0"
        async with aiohttp.ClientSession() as session:
            await check(session, url)
            yield getter(session, url)
    finally:
        await runner.cleanup()


# The floor: aiohttp's client with the cheapest transport that can answer it.
FLOOR_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (
    len(BODY_BYTES),
    BODY_BYTES,
)


class FloorTransport(asyncio.Transport):
    """Answers every request written to it with the same prebuilt response."""

    def __init__(self, protocol: ResponseHandler) -> None:
        super().__init__()
        self._protocol = protocol
        self._closing = False

    def write(self, data: Any) -> None:
        # A GET has no body: the request ends with its head.
        if bytes(data[-4:]) == b"\r\n\r\n":
            self._protocol.data_received(FLOOR_RESPONSE)

    def writelines(self, list_of_data: Iterable[Any]) -> None:
        self.write(b"".join(list_of_data))

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            asyncio.get_running_loop().call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_write_buffer_size(self) -> int:
        return 0

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class FloorConnector(aiohttp.BaseConnector):
    _aiohttpretty_own = True  # never patched by aiohttpretty (it is not active here anyway)

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> ResponseHandler:
        protocol = ResponseHandler(asyncio.get_running_loop())
        protocol.connection_made(FloorTransport(protocol))
        return protocol


@contextlib.asynccontextmanager
async def floor(keep_alive: bool) -> AsyncIterator[Request]:
    """``keep_alive=True``: one connection reused for every request, as
    aiohttpretty keeps one for framed responses; ``False``: a new connection
    per request, as for aiohttpretty's responses without ``Content-Length``."""
    url = "http://api.test/items/0"
    async with aiohttp.ClientSession(connector=FloorConnector(force_close=not keep_alive)) as session:
        await check(session, url)
        yield getter(session, url)


# aioresponses, in its own virtual environment.
def _requirements_stamp() -> str:
    return hashlib.sha256(AIORESPONSES_REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()


def aioresponses_python() -> Path:
    """The Python of the aioresponses environment, created or updated as needed."""
    python = AIORESPONSES_VENV / "bin" / "python"
    stamp = AIORESPONSES_VENV / ".installed"
    wanted = _requirements_stamp()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"Preparing {AIORESPONSES_VENV.relative_to(HERE.parent)} ...", flush=True)
    commands = [
        [sys.executable, "-m", "venv", "--clear", str(AIORESPONSES_VENV)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(AIORESPONSES_REQUIREMENTS),
        ],
    ]
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            lines = [line for line in (result.stderr or result.stdout).splitlines() if "WARNING" not in line]
            raise RuntimeError(f"{' '.join(command[-2:])} failed: " + " | ".join(lines[-3:]))
    stamp.write_text(wanted)
    return python


def run_aioresponses(settings: Settings) -> tuple[float | None, str]:
    """The median microseconds per request under aioresponses, and a note
    (the versions used, or why it is unavailable)."""
    try:
        python = aioresponses_python()
        rounds = settings.passes * settings.rounds
        args = [str(rounds), str(settings.warmup), str(settings.batch)]
        result = subprocess.run(
            [str(python), str(AIORESPONSES_WORKER), *args], capture_output=True, text=True, timeout=900
        )
        lines = result.stdout.strip().splitlines()
        if result.returncode != 0 or not lines:
            raise RuntimeError(f"the worker exited {result.returncode}: {result.stderr.strip()[-300:]}")
        answer = json.loads(lines[-1])
    except Exception as exc:
        return None, f"unavailable: {type(exc).__name__}: {exc}"
    if "error" in answer:
        return None, f"unavailable: {answer['error']}"
    versions = answer["versions"]
    note = f"aioresponses {versions['aioresponses']}, aiohttp {versions['aiohttp']}"
    return float(answer["median_us"]), note


# Concurrency and memory.
async def gather_total(count: int, settings: Settings) -> float:
    """The median seconds for ``count`` concurrent requests through one session."""
    mock, url = mock_with_routes(1)
    samples = []
    async with mocked(mock, url) as request:
        await asyncio.gather(*(request() for _ in range(count)))  # warm-up
        for _ in range(settings.gather_rounds):
            start = time.perf_counter()
            await asyncio.gather(*(request() for _ in range(count)))
            samples.append(time.perf_counter() - start)
            mock.calls.clear()
    return statistics.median(samples)


async def memory_peak(count: int) -> float:
    """The peak traced memory, in MB, of ``count`` requests in one mock that
    keeps every recorded call."""
    gc.collect()
    tracemalloc.start()
    try:
        mock, url = mock_with_routes(1)
        mock.activate()
        try:
            async with aiohttp.ClientSession() as session:
                request = getter(session, url)
                for _ in range(count):
                    await request()
        finally:
            mock.deactivate()
        if len(mock.calls) != count:
            raise RuntimeError(f"{len(mock.calls)} calls recorded, not {count}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 1e6


# The run.
async def measure_all(settings: Settings) -> dict[str, float]:
    """Median microseconds per request of every in-process scenario."""
    mocks = {f"routes_{count}": mock_with_routes(count) for count in ROUTE_COUNTS}
    mocks["unframed"] = mock_with_routes(1, auto_length=False)
    scenarios: dict[str, Callable[[], contextlib.AbstractAsyncContextManager[Request]]] = {}
    for name, (mock, url) in mocks.items():
        scenarios[name] = lambda mock=mock, url=url: mocked(mock, url)  # type: ignore[misc]
    in_turn, url = mock_with_routes(100)
    scenarios["in_turn"] = lambda: mocked(in_turn, url, every_route=True)
    scenarios["loopback"] = loopback
    scenarios["floor"] = lambda: floor(keep_alive=False)
    scenarios["floor_keepalive"] = lambda: floor(keep_alive=True)
    samples: dict[str, list[float]] = {name: [] for name in scenarios}
    for number in range(settings.passes):
        print(f"pass {number + 1}/{settings.passes}:", end="", flush=True)
        for name, scenario in scenarios.items():
            gc.collect()
            async with scenario() as request:
                samples[name].extend(await time_rounds(request, settings))
            print(f" {name}", end="", flush=True)
        print(flush=True)
    return {name: statistics.median(values) * 1e6 for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run with fewer rounds")
    parser.add_argument("--skip-aioresponses", action="store_true", help="do not run the aioresponses row")
    options = parser.parse_args(argv)
    settings = QUICK if options.quick else FULL

    print(
        f"aiohttpretty {aiohttpretty.__version__}, aiohttp {aiohttp.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s); "
        f"{settings.passes} pass(es) x {settings.rounds} rounds x {settings.batch} requests"
        f"{' (--quick)' if options.quick else ''}",
        flush=True,
    )
    results = asyncio.run(measure_all(settings))
    one = results["routes_1"]
    unframed = results["unframed"]

    if options.skip_aioresponses:
        aioresponses_us, aioresponses_note = None, "unavailable: skipped (--skip-aioresponses)"
    else:
        print("aioresponses (subprocess) ...", flush=True)
        aioresponses_us, aioresponses_note = run_aioresponses(settings)

    print("1,000 concurrent requests ...", flush=True)
    gather_ms = asyncio.run(gather_total(1_000, settings)) * 1e3
    print(f"memory: {settings.memory_requests:,} requests under tracemalloc ...", flush=True)
    peak_mb = asyncio.run(memory_peak(settings.memory_requests))
    peak_100k = peak_mb * 100_000 / settings.memory_requests
    memory_note = "" if settings.memory_requests == 100_000 else f" (x{100_000 // settings.memory_requests})"

    def row(name: str, value: float | None, note: str = "") -> str:
        shown = "n/a" if value is None else f"{value:10.1f}"
        ratio = "" if value is None else f"{value / one:7.2f}x"
        return f"{name:<48} {shown:>10} {ratio:>8}   {note}"

    print()
    print(f"{'median time per request':<48} {'us':>10} {'vs 1 rt':>8}   note")
    print("-" * 100)
    for count in ROUTE_COUNTS:
        suffix = "route" if count == 1 else "routes, the last requested"
        note = "auto_length=True: the same response as the server" if count == 1 else ""
        print(row(f"aiohttpretty, {count:,} {suffix}", results[f"routes_{count}"], note))
    print(row("aiohttpretty, 100 routes, each in turn", results["in_turn"], "no request repeats the last"))
    print(
        row(
            "aiohttpretty, 1 route, no Content-Length",
            unframed,
            "auto_length=False: a connection per request",
        )
    )
    print(row("aiohttp.web server on 127.0.0.1", results["loopback"], "keep-alive session"))
    print(row("aioresponses", aioresponses_us, aioresponses_note))
    print(
        row("floor: in-memory transport, keep-alive", results["floor_keepalive"], "as aiohttpretty, framed")
    )
    print(row("floor: in-memory transport, new connection", results["floor"], "as aiohttpretty, unframed"))
    print("-" * 100)
    print(f"{'1,000 concurrent requests (asyncio.gather)':<48} {gather_ms:10.1f} ms total, aiohttpretty")
    print(
        f"{'peak memory, 100,000 requests':<48} {peak_100k:10.1f} MB"
        f"{f' estimated from {settings.memory_requests:,}{memory_note}' if memory_note else ''}"
        ", recorded calls kept (tracemalloc)"
    )

    figures: dict[str, Any] = {
        "one_route_us": one,
        **{f"routes_{count}_us": results[f"routes_{count}"] for count in ROUTE_COUNTS[1:]},
        "loopback_us": results["loopback"],
        "aioresponses_us": aioresponses_us,
        "in_turn_us": results["in_turn"],
        "unframed_us": unframed,
        "floor_keepalive_us": results["floor_keepalive"],
        "floor_us": results["floor"],
        "ratio_loopback": one / results["loopback"],
        "ratio_aioresponses": None if aioresponses_us is None else one / aioresponses_us,
        "ratio_10000_vs_1": results["routes_10000"] / one,
        "ratio_floor": one / results["floor_keepalive"],
        "ratio_unframed_loopback": unframed / results["loopback"],
        "ratio_unframed_aioresponses": None if aioresponses_us is None else unframed / aioresponses_us,
        "ratio_unframed_floor": unframed / results["floor"],
        "gather_1000_ms": gather_ms,
        "peak_mb_100k": peak_100k,
        "memory_requests": settings.memory_requests,
    }
    targets = [
        ("aiohttpretty <= 0.4 x loopback", figures["ratio_loopback"], 0.4),
        ("aiohttpretty <= 0.2 x aioresponses", figures["ratio_aioresponses"], 0.2),
        ("10,000 routes <= 1.2 x one route", figures["ratio_10000_vs_1"], 1.2),
        ("aiohttpretty <= 1.5 x floor (keep-alive)", figures["ratio_floor"], 1.5),
        ("100,000 requests < 200 MB", peak_100k, 200.0),
    ]
    unframed_targets = [
        ("<= 0.4 x loopback", figures["ratio_unframed_loopback"], 0.4),
        ("<= 0.2 x aioresponses", figures["ratio_unframed_aioresponses"], 0.2),
        ("<= 1.5 x floor (new connection)", figures["ratio_unframed_floor"], 1.5),
    ]
    print()
    print("targets (the 1-route row, answering what the server answers):")
    for label, value, limit in targets:
        print(f"  {label:<46} {_verdict(value, limit)}")
    print("the same targets for auto_length=False (the original API's default, no Content-Length):")
    for label, value, limit in unframed_targets:
        print(f"  {label:<46} {_verdict(value, limit)}")
    print()
    print(" ".join(f"{key}={_format(value)}" for key, value in figures.items()))
    return 0


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "UNKNOWN (not measured)"
    return f"{'met' if value <= limit else 'NOT MET'} ({value:.2f}, limit {limit:g})"


def _format(value: Any) -> str:
    if value is None:
        return "unavailable"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark of ``register_app``: a request served by an aiohttp.web
application in memory against the same application behind
:class:`aiohttp.test_utils.TestServer` on 127.0.0.1, in one process.

It times, as medians over rounds:

* a request (``async with session.get(url) as r: await r.json()``) on a kept
  session, for each way; target: in memory at most 0.5 x loopback;
* the set-up of a test: registering the app and its first request (which
  starts it) against starting the ``TestServer`` and its first request; target:
  at most 0.2 x;
* and, for both, a floor: aiohttp's client joined to the app's own server
  protocol by two minimal in-memory transports, without aiohttpretty: what
  serving through aiohttp's server code costs at the least.

    python benchmarks/bench_app.py           # the full run
    python benchmarks/bench_app.py --quick   # a fast smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's aiohttpretty, installed or not

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from aiohttp.client_proto import ResponseHandler  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

import aiohttpretty  # noqa: E402

ORIGIN = "http://api.example.com"


def make_app() -> web.Application:
    async def item(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"], "ok": True})

    app = web.Application()
    app.router.add_get("/items/{id}", item)
    return app


async def _per_request(session: aiohttp.ClientSession, url: str, requests: int) -> float:
    """Seconds per request, ``requests`` in a row."""
    start = time.perf_counter()
    for _ in range(requests):
        async with session.get(url) as response:
            await response.json()
    return (time.perf_counter() - start) / requests


async def in_memory_request(requests: int) -> float:
    async with aiohttpretty.mocked() as mock:
        mock.register_app(ORIGIN, make_app())
        async with aiohttp.ClientSession() as session:
            await _per_request(session, ORIGIN + "/items/1", 20)  # warm up
            return await _per_request(session, ORIGIN + "/items/1", requests)


async def loopback_request(requests: int) -> float:
    server = TestServer(make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            url = str(server.make_url("/items/1"))
            await _per_request(session, url, 20)
            return await _per_request(session, url, requests)
    finally:
        await server.close()


async def in_memory_setup() -> float:
    async with aiohttpretty.mocked() as mock:
        start = time.perf_counter()
        mock.register_app(ORIGIN, make_app())
        async with aiohttp.ClientSession() as session:
            async with session.get(ORIGIN + "/items/1") as response:
                await response.read()
        return time.perf_counter() - start


async def loopback_setup() -> float:
    start = time.perf_counter()
    server = TestServer(make_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/items/1")) as response:
                await response.read()
        return time.perf_counter() - start
    finally:
        await server.close()


class _Pipe(asyncio.Transport):
    """One end of the floor's in-memory connection: writes go to the other end."""

    def __init__(self, own: asyncio.Protocol) -> None:
        super().__init__()
        self.own = own
        self.peer: asyncio.Protocol | None = None
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.peer is not None and not self._closing:
            self.peer.data_received(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            asyncio.get_running_loop().call_soon(self.own.connection_lost, None)

    abort = close

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 0) if name in ("peername", "sockname") else default

    def can_write_eof(self) -> bool:
        return False

    def is_reading(self) -> bool:
        return True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


class FloorConnector(aiohttp.BaseConnector):
    """Connects aiohttp's client protocol to the app's server protocol in memory."""

    _aiohttpretty_own = True  # never patched by aiohttpretty (it is not active here anyway)

    def __init__(self, runner: web.BaseRunner) -> None:
        super().__init__()
        self._runner = runner

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> ResponseHandler:
        assert self._runner.server is not None
        client, server = ResponseHandler(asyncio.get_running_loop()), self._runner.server()
        client_end, server_end = _Pipe(client), _Pipe(server)
        client_end.peer, server_end.peer = server, client
        client.connection_made(client_end)
        server.connection_made(server_end)
        return client


async def floor_request(requests: int) -> float:
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    try:
        async with aiohttp.ClientSession(connector=FloorConnector(runner)) as session:
            await _per_request(session, ORIGIN + "/items/1", 20)
            return await _per_request(session, ORIGIN + "/items/1", requests)
    finally:
        await runner.cleanup()


async def floor_setup() -> float:
    start = time.perf_counter()
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    try:
        async with aiohttp.ClientSession(connector=FloorConnector(runner)) as session:
            async with session.get(ORIGIN + "/items/1") as response:
                await response.read()
        return time.perf_counter() - start
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run with fewer rounds")
    args = parser.parse_args(argv)
    rounds, requests = (3, 200) if args.quick else (7, 2000)
    memory: dict[str, list[float]] = {"request": [], "set-up": []}
    loopback: dict[str, list[float]] = {"request": [], "set-up": []}
    floor: dict[str, list[float]] = {"request": [], "set-up": []}
    for _ in range(rounds):  # the three ways interleaved: a slow moment spreads over all
        for way, measure in (
            (memory, lambda: in_memory_request(requests)),
            (loopback, lambda: loopback_request(requests)),
            (floor, lambda: floor_request(requests)),
        ):
            way["request"].append(asyncio.run(measure()))
        for way, setup in ((memory, in_memory_setup), (loopback, loopback_setup), (floor, floor_setup)):
            way["set-up"].extend(asyncio.run(setup()) for _ in range(3))
    print(f"aiohttp {aiohttp.__version__}, Python {sys.version.split()[0]}")
    print(f"{'':10}{'in memory':>12}{'loopback':>12}{'floor':>12}{'ratio':>8}{'floor':>8}{'target':>8}")
    met, figures = True, []
    for name, target in (("request", 0.5), ("set-up", 0.2)):
        mine, theirs, least = (statistics.median(way[name]) for way in (memory, loopback, floor))
        ratio, floor_ratio = mine / theirs, least / theirs
        met = met and ratio <= target
        verdict = "met" if ratio <= target else "NOT MET"
        if floor_ratio > target:
            verdict += " (the floor itself is above the target)"
        print(
            f"{name:10}{mine * 1e6:10.0f}us{theirs * 1e6:10.0f}us{least * 1e6:10.0f}us{ratio:8.2f}"
            f"{floor_ratio:8.2f}{'<= ' + str(target):>8} {verdict}"
        )
        key = name.replace("-", "")
        figures += [f"{key}_memory_us={mine * 1e6:.1f}", f"{key}_loopback_us={theirs * 1e6:.1f}"]
        figures += [
            f"{key}_floor_us={least * 1e6:.1f}",
            f"{key}_ratio={ratio:.2f}",
            f"{key}_floor_ratio={floor_ratio:.2f}",
        ]
    print(" ".join(figures))
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())

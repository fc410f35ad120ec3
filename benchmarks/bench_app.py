"""The benchmark of ``register_app``: a request served by an aiohttp.web
application in memory against the same application behind
:class:`aiohttp.test_utils.TestServer` on 127.0.0.1, in one process.

It times, as medians over rounds:

* a request (``async with session.get(url) as r: await r.json()``) on a kept
  session, for each way; target: in memory at most 0.5 x loopback;
* the set-up of a test: registering the app and its first request (which
  starts it) against starting the ``TestServer`` and its first request; target:
  at most 0.2 x.

    python benchmarks/bench_app.py           # the full run
    python benchmarks/bench_app.py --quick   # a fast smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

import aiohttpretty

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


def median(rounds: int, measure: Callable[[], Awaitable[float]]) -> float:
    return statistics.median(asyncio.run(measure()) for _ in range(rounds))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run with fewer rounds")
    args = parser.parse_args(argv)
    rounds, requests = (3, 200) if args.quick else (7, 2000)
    rows = [
        ("request", median(rounds, lambda: in_memory_request(requests)), None, 0.5),
        ("set-up", median(rounds * 3, in_memory_setup), None, 0.2),
    ]
    loopback = {
        "request": median(rounds, lambda: loopback_request(requests)),
        "set-up": median(rounds * 3, loopback_setup),
    }
    print(f"aiohttp {aiohttp.__version__}, Python {sys.version.split()[0]}")
    print(f"{'':10}{'in memory':>12}{'loopback':>12}{'ratio':>8}{'target':>8}")
    met = True
    for name, memory, _, target in rows:
        ratio = memory / loopback[name]
        met = met and ratio <= target
        print(
            f"{name:10}{memory * 1e6:10.0f}us{loopback[name] * 1e6:10.0f}us{ratio:8.2f}"
            f"{'<= ' + str(target):>8} {'met' if ratio <= target else 'NOT MET'}"
        )
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())

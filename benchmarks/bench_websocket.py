"""The benchmark of a mocked websocket (see README.md here).

In one process it measures, through aiohttp's own websocket client:

* a message round trip on an open websocket::

      await ws.send_str("ping")
      await ws.receive_str()

* a connection set-up and close::

      async with session.ws_connect(url) as ws:
          pass

each against an echoing websocket route of aiohttpretty and against an echoing
``aiohttp.web`` websocket server on 127.0.0.1, and prints the medians, their
ratios, whether each meets its target (at most 0.3 times the loopback time),
and a last line of ``key=value`` figures.

    python benchmarks/bench_websocket.py           # the full run
    python benchmarks/bench_websocket.py --quick   # a fast smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's aiohttpretty, installed or not

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

import aiohttpretty  # noqa: E402

MOCKED_URL = "ws://bench.test/echo"
TARGET = 0.3  # the mocked time, at most this times the loopback time

Step = Callable[[], Awaitable[None]]


@dataclass
class Settings:
    passes: int  # each scenario is measured in this many passes, interleaved
    rounds: int  # timed rounds per pass
    warmup: int  # untimed rounds before each pass
    batch: int  # operations per round


FULL = Settings(passes=3, rounds=30, warmup=3, batch=100)
QUICK = Settings(passes=1, rounds=5, warmup=1, batch=20)


async def time_rounds(step: Step, settings: Settings) -> list[float]:
    """Seconds per operation, one sample per round of ``batch`` operations."""
    for _ in range(settings.warmup * settings.batch):
        await step()
    samples = []
    for _ in range(settings.rounds):
        gc.collect()
        start = time.perf_counter()
        for _ in range(settings.batch):
            await step()
        samples.append((time.perf_counter() - start) / settings.batch)
    return samples


async def echo(ws: web.WebSocketResponse | aiohttpretty.WebSocket) -> None:
    async for msg in ws:
        await ws.send_str(msg.data)


async def start_loopback() -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await echo(ws)
        return ws

    app = web.Application()
    app.router.add_get("/echo", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/echo"


async def main(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        runner, loopback_url = await start_loopback()
        stack.push_async_callback(runner.cleanup)
        mock = aiohttpretty.AioHTTPretty()
        mock.register_websocket(MOCKED_URL, echo)
        mock.activate(passthrough=["127.0.0.1"])
        stack.callback(mock.deactivate)
        session = await stack.enter_async_context(aiohttp.ClientSession())

        sockets = {}
        for name, url in (("mocked", MOCKED_URL), ("loopback", loopback_url)):
            sockets[name] = await stack.enter_async_context(session.ws_connect(url))

        def round_trip(ws: aiohttp.ClientWebSocketResponse) -> Step:
            async def step() -> None:
                await ws.send_str("ping")
                await ws.receive_str()

            return step

        def set_up(url: str) -> Step:
            async def step() -> None:
                async with session.ws_connect(url):
                    pass

            return step

        scenarios: dict[str, Step] = {
            "round trip, mocked": round_trip(sockets["mocked"]),
            "round trip, aiohttp.web on 127.0.0.1": round_trip(sockets["loopback"]),
            "set-up and close, mocked": set_up(MOCKED_URL),
            "set-up and close, aiohttp.web on 127.0.0.1": set_up(loopback_url),
        }
        samples: dict[str, list[float]] = {name: [] for name in scenarios}
        for _ in range(settings.passes):
            for name, step in scenarios.items():
                samples[name] += await time_rounds(step, settings)
                mock.calls.clear()  # the set-up rows record a call each
                mock.websockets.clear()
                for route in mock.registry.routes():
                    route.calls.clear()
        medians = {name: statistics.median(values) for name, values in samples.items()}

    print(f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, {os.cpu_count()} CPUs")
    print(f"{'scenario':<46} {'median':>10}")
    for name, value in medians.items():
        print(f"{name:<46} {value * 1e6:>8.1f} µs")
    ratio_round_trip = medians["round trip, mocked"] / medians["round trip, aiohttp.web on 127.0.0.1"]
    ratio_set_up = medians["set-up and close, mocked"] / medians["set-up and close, aiohttp.web on 127.0.0.1"]
    for what, ratio in (("round trip", ratio_round_trip), ("set-up", ratio_set_up)):
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"{what}: mocked / loopback = {ratio:.2f} (target <= {TARGET}: {verdict})")
    figures = {
        "round_trip_mocked_us": medians["round trip, mocked"] * 1e6,
        "round_trip_loopback_us": medians["round trip, aiohttp.web on 127.0.0.1"] * 1e6,
        "set_up_mocked_us": medians["set-up and close, mocked"] * 1e6,
        "set_up_loopback_us": medians["set-up and close, aiohttp.web on 127.0.0.1"] * 1e6,
        "ratio_round_trip": ratio_round_trip,
        "ratio_set_up": ratio_set_up,
    }
    print(" ".join(f"{key}={value:.2f}" for key, value in figures.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fast smoke run, fewer rounds")
    arguments = parser.parse_args()
    asyncio.run(main(QUICK if arguments.quick else FULL))

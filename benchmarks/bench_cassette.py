"""Replaying a cassette against answering from registered routes (a script, not a test).

A cassette of 1,000 recorded exchanges (``/item/0`` ... ``/item/999``) is
replayed request by request; the same 1,000 requests are answered by 1,000
registered routes with the same responses.  It prints the median time per
request of each and their ratio::

    python benchmarks/bench_cassette.py            # 5 rounds
    python benchmarks/bench_cassette.py --rounds 1 # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's aiohttpretty, installed or not

import aiohttp  # noqa: E402

import aiohttpretty  # noqa: E402

COUNT = 1_000
BODY = json.dumps({"id": 1, "name": "item", "tags": ["a", "b"]})
URLS = [f"http://api.test/item/{number}" for number in range(COUNT)]


def write_cassette(path: Path) -> None:
    headers = [["Content-Type", "application/json"], ["Content-Length", str(len(BODY))]]
    exchanges = [
        {
            "request": {"method": "GET", "url": url, "headers": [["Host", "api.test"]], "body": ""},
            "response": {"status": 200, "reason": "OK", "headers": headers, "body": BODY},
        }
        for url in URLS
    ]
    path.write_text(json.dumps({"aiohttpretty_cassette": 1, "exchanges": exchanges}))


async def requests(session: aiohttp.ClientSession) -> float:
    """The median time of one request, over all of URLS."""
    times = []
    for url in URLS:
        start = time.perf_counter()
        async with session.get(url) as response:
            await response.json()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def with_routes() -> float:
    with aiohttpretty.mocked() as mock:
        for url in URLS:
            mock.register_uri(
                "GET", url, body=BODY, auto_length=True, headers={"Content-Type": "application/json"}
            )
        async with aiohttp.ClientSession() as session:
            return await requests(session)


async def with_cassette(path: Path) -> float:
    with aiohttpretty.cassette(path, "none", assert_all_called=True):
        async with aiohttp.ClientSession() as session:
            return await requests(session)


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.json"
        write_cassette(path)
        routes, replays = [], []
        for _ in range(rounds):
            routes.append(await with_routes())
            replays.append(await with_cassette(path))
    route, replay = statistics.median(routes), statistics.median(replays)
    print(f"registered route ({COUNT} routes):   {route * 1e6:7.1f} µs per request")
    print(f"cassette replay ({COUNT} exchanges): {replay * 1e6:7.1f} µs per request")
    print(f"ratio replay/route: {replay / route:.2f} (target: <= 1.10)")
    print(f"route_us={route * 1e6:.1f} replay_us={replay * 1e6:.1f} ratio={replay / route:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))

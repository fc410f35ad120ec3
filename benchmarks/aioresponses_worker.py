"""The aioresponses row of the benchmark, run by bench.py in its own virtual
environment (aioresponses needs an older aiohttp than the one under test).

It prints one JSON object on stdout: the median time per request in
microseconds and the versions used, or ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time


async def measure(rounds: int, warmup: int, batch: int) -> float:
    import aiohttp
    from aioresponses import aioresponses

    url = "http://api.test/items/1"
    body = {"id": 1, "name": "item", "tags": ["a", "b"]}
    samples: list[float] = []
    with aioresponses() as mocked:
        mocked.get(url, payload=body, repeat=True)
        async with aiohttp.ClientSession() as session:
            for round_number in range(warmup + rounds):
                start = time.perf_counter()
                for _ in range(batch):
                    async with session.get(url) as response:
                        await response.json()
                elapsed = (time.perf_counter() - start) / batch
                if round_number >= warmup:
                    samples.append(elapsed)
            async with session.get(url) as response:
                assert await response.json() == body
    return statistics.median(samples) * 1e6


def main() -> None:
    rounds, warmup, batch = (int(arg) for arg in sys.argv[1:4])
    try:
        import aiohttp
        import aioresponses

        median = asyncio.run(measure(rounds, warmup, batch))
    except Exception as exc:  # reported, not raised: bench.py shows the reason
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return
    versions = {
        "aiohttp": aiohttp.__version__,
        "aioresponses": getattr(aioresponses, "__version__", "?"),
        "python": sys.version.split()[0],
    }
    print(json.dumps({"median_us": median, "versions": versions}))


if __name__ == "__main__":
    main()

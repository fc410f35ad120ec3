"""Concurrency: 5,000 concurrent requests over several sessions are each answered
once, by the right route, and recorded completely and in arrival order.

"Arrival order" is checked as follows:

* ``mock.calls`` holds exactly one call per request made (found by a unique
  ``X-Request-Id`` header), none lost, none twice;
* every route's ``calls`` is the subsequence of ``mock.calls`` that route answered;
* requests a task makes one after another appear in ``mock.calls`` in that order;
* a route with ``responses=[...]`` of N entries gives entry *k* to the request
  recorded *k*-th in its ``calls``: each entry exactly once, in arrival order.
"""

from __future__ import annotations

import asyncio
import collections
import unittest

import aiohttp

import aiohttpretty
from aiohttpretty import ResponsesExhausted

from .netguard import GuardedTestMixin

SESSIONS = 8
ROUTES = 50
CHAINS = 100
CHAIN_LENGTH = 10
SINGLES = 2_000
LIST_RESPONSES = 2_000
TOTAL = SINGLES + CHAINS * CHAIN_LENGTH + LIST_RESPONSES  # 5,000


def fast_loop() -> None:
    """IsolatedAsyncioTestCase runs its loop in debug mode, which records a traceback
    for every callback: ten times slower for thousands of requests."""
    asyncio.get_running_loop().set_debug(False)


class ConcurrencyTest(GuardedTestMixin, aiohttpretty.AioHTTPrettyTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        fast_loop()
        self.sessions = [aiohttp.ClientSession() for _ in range(SESSIONS - 1)]
        self.sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)))
        for session in self.sessions:
            self.addAsyncCleanup(session.close)
        self.sent: list[str] = []

    async def request(self, number: int, method: str, url: str) -> tuple[str, int, str]:
        request_id = f"r{number}"
        self.sent.append(request_id)
        session = self.sessions[number % SESSIONS]
        async with session.request(method, url, headers={"X-Request-Id": request_id}) as response:
            return request_id, response.status, await response.text()

    async def chain(self, number: int) -> list[tuple[str, int, str]]:
        results = []
        for step in range(CHAIN_LENGTH):
            request_number = SINGLES + number * CHAIN_LENGTH + step
            results.append(await self.request(request_number, "GET", f"http://api.test/chain/{step}"))
        return results

    async def test_5000_concurrent_requests(self):
        for number in range(ROUTES):
            self.register_uri("GET", f"http://api.test/r/{number}", body=f"route {number}")
        for step in range(CHAIN_LENGTH):
            self.register_uri("GET", f"http://api.test/chain/{step}", body=f"step {step}")
        listed = self.register_uri(
            "POST", "https://api.test/once", responses=[{"body": f"entry {k}"} for k in range(LIST_RESPONSES)]
        )

        first = SINGLES + CHAINS * CHAIN_LENGTH
        singles, chains, once = await asyncio.gather(
            asyncio.gather(
                *(self.request(n, "GET", f"http://api.test/r/{n % ROUTES}") for n in range(SINGLES))
            ),
            asyncio.gather(*(self.chain(n) for n in range(CHAINS))),
            asyncio.gather(
                *(self.request(first + k, "POST", "https://api.test/once") for k in range(LIST_RESPONSES))
            ),
        )
        answers: dict[str, tuple[int, str]] = {}
        for request_id, status, text in [*singles, *(one for chain in chains for one in chain), *once]:
            answers[request_id] = (status, text)
        self.assertEqual(len(self.sent), TOTAL)
        self.assertEqual(len(answers), TOTAL)
        self.assertEqual({status for status, _ in answers.values()}, {200})

        # Every request recorded exactly once.
        calls = list(self.calls)
        recorded = [call.headers["X-Request-Id"] for call in calls]
        self.assertEqual(len(recorded), TOTAL)
        self.assertEqual(sorted(recorded), sorted(self.sent))
        self.assertEqual(self.aiohttpretty.unmatched, [])

        # Each answered by its own route.
        for number in range(SINGLES):
            self.assertEqual(answers[f"r{number}"][1], f"route {number % ROUTES}")

        # Each route's calls are the subsequence of mock.calls it answered.
        by_route: dict[int, list[aiohttpretty.Call]] = collections.defaultdict(list)
        for call in calls:
            by_route[id(call.route)].append(call)
        routes = self.aiohttpretty.registry.routes()
        self.assertEqual(len(routes), ROUTES + CHAIN_LENGTH + 1)
        for route in routes:
            self.assertEqual(route.calls, by_route[id(route)], route)
        self.assertEqual(sum(route.call_count for route in routes), TOTAL)

        # Requests made one after another are recorded in that order.
        position = {request_id: index for index, request_id in enumerate(recorded)}
        for number in range(CHAINS):
            ids = [f"r{SINGLES + number * CHAIN_LENGTH + step}" for step in range(CHAIN_LENGTH)]
            positions = [position[request_id] for request_id in ids]
            self.assertEqual(positions, sorted(positions))
            self.assertEqual(
                [answers[request_id][1] for request_id in ids], [f"step {s}" for s in range(CHAIN_LENGTH)]
            )

        # The responses list: each entry handed out exactly once, in arrival order.
        self.assertEqual(listed.call_count, LIST_RESPONSES)
        handed = [answers[call.headers["X-Request-Id"]][1] for call in listed.calls]
        self.assertEqual(handed, [f"entry {k}" for k in range(LIST_RESPONSES)])
        with self.assertRaisesRegex(ResponsesExhausted, f"used up after {LIST_RESPONSES} request"):
            await self.request(TOTAL, "POST", "https://api.test/once")

    async def test_responses_list_under_contention_with_one_connection(self):
        count = 500
        route = self.register_uri(
            "GET", "http://api.test/n", responses=[{"body": str(k)} for k in range(count)]
        )
        limited = self.sessions[-1]

        async def one(number: int) -> tuple[str, str]:
            async with limited.get("http://api.test/n", headers={"X-Request-Id": str(number)}) as response:
                return str(number), await response.text()

        answers = dict(await asyncio.gather(*(one(n) for n in range(count))))
        self.assertEqual(sorted(answers.values(), key=int), [str(k) for k in range(count)])
        handed = [answers[call.headers["X-Request-Id"]] for call in route.calls]
        self.assertEqual(handed, [str(k) for k in range(count)])

    async def test_concurrent_refusals_and_answers_are_recorded_apart(self):
        self.register_uri("GET", "http://api.test/ok", body=b"ok")
        session = self.sessions[0]

        async def one(number: int) -> str:
            url = "http://api.test/ok" if number % 2 else f"http://api.test/missing/{number}"
            try:
                async with session.get(url) as response:
                    return await response.text()
            except aiohttpretty.NoRouteMatched:
                return "refused"

        results = await asyncio.gather(*(one(n) for n in range(1000)))
        self.assertEqual(collections.Counter(results), {"ok": 500, "refused": 500})
        self.assertEqual(len(self.calls), 500)
        self.assertEqual({str(call.url) for call in self.calls}, {"http://api.test/ok"})
        refused = {str(call.url) for call in self.aiohttpretty.unmatched}
        self.assertEqual(refused, {f"http://api.test/missing/{n}" for n in range(0, 1000, 2)})
        self.aiohttpretty.unmatched.clear()  # expected: do not fail the test at teardown


class ConcurrentMocksAcrossTasksTest(unittest.IsolatedAsyncioTestCase):
    async def test_gather_under_a_mocked_block_with_module_level_api(self):
        fast_loop()
        async with aiohttpretty.mocked() as mock:
            for n in range(20):
                aiohttpretty.register_uri("GET", f"http://api.test/{n}", body=str(n))
            async with aiohttp.ClientSession() as session:

                async def one(n: int) -> str:
                    async with session.get(f"http://api.test/{n % 20}") as response:
                        return await response.text()

                results = await asyncio.gather(*(one(n) for n in range(1000)))
            self.assertEqual(results, [str(n % 20) for n in range(1000)])
            self.assertEqual(len(mock.calls), 1000)
            self.assertEqual([route.call_count for route in mock.registry.routes()], [50] * 20)


if __name__ == "__main__":
    unittest.main()


class FairnessTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_a_loop_of_requests_lets_other_tasks_run(self):
        # Plain replies need no waiting, yet a loop of requests must not starve
        # the other tasks, as it would not against a real server.
        # Both on a new connection per request and on a kept-alive one.
        for auto_length in (False, True):
            with self.subTest(auto_length=auto_length):
                self.calls.clear()
                self.register_uri("GET", "http://api.test/poll", body=b"not yet", auto_length=auto_length)
                done = asyncio.Event()

                async def finish_soon(done: asyncio.Event = done) -> None:
                    await asyncio.sleep(0)
                    done.set()

                other = asyncio.create_task(finish_soon())
                polls = 0
                async with aiohttp.ClientSession() as session:
                    while not done.is_set():
                        async with session.get("http://api.test/poll") as response:
                            self.assertEqual(await response.read(), b"not yet")
                        polls += 1
                        self.assertLess(polls, 1_000, "the other task never ran")
                await other
                self.assertEqual(self.calls.call_count, polls)

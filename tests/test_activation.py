"""Activation is robust: twice, never, out of order, nested, and from one event
loop after another (as ``IsolatedAsyncioTestCase`` does, one loop per test)."""

from __future__ import annotations

import asyncio
import unittest

import aiohttp

import aiohttpretty
from aiohttpretty import _seam

from .netguard import GuardedTestMixin


def patched() -> bool:
    """Whether aiohttp is patched now, judged by aiohttp's own attributes."""
    seams = [
        aiohttp.ClientSession._request,
        aiohttp.BaseConnector._create_connection,
    ]
    seams += [aiohttp.TCPConnector._create_connection, aiohttp.UnixConnector._create_connection]
    flags = {bool(getattr(seam, "_aiohttpretty_patch", False)) for seam in seams}
    assert len(flags) == 1, "aiohttp is half patched"
    return flags.pop()


async def get(url: str) -> bytes:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.read()


ORIGINALS = {
    "request": aiohttp.ClientSession.__dict__["_request"],
    "base": aiohttp.BaseConnector.__dict__["_create_connection"],
    "tcp": aiohttp.TCPConnector.__dict__["_create_connection"],
    "unix": aiohttp.UnixConnector.__dict__["_create_connection"],
}


def originals_restored() -> bool:
    return ORIGINALS == {
        "request": aiohttp.ClientSession.__dict__["_request"],
        "base": aiohttp.BaseConnector.__dict__["_create_connection"],
        "tcp": aiohttp.TCPConnector.__dict__["_create_connection"],
        "unix": aiohttp.UnixConnector.__dict__["_create_connection"],
    }


class ActivationTest(GuardedTestMixin, unittest.TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.assertFalse(patched())
        self.addCleanup(self.assert_restored)

    def assert_restored(self) -> None:
        self.assertFalse(patched())
        self.assertTrue(originals_restored())
        self.assertEqual(_seam._active, [])

    def test_activate_twice_then_deactivate_once_restores(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.activate()
        mock.activate()
        self.assertTrue(patched())
        self.assertEqual(_seam._active, [mock])
        self.assertEqual(len(_seam._patches), len({id(p) for p in _seam._patches}))
        mock.deactivate()
        self.assertFalse(mock.is_active)

    def test_module_level_activate_twice_then_deactivate_once_restores(self):
        self.addCleanup(aiohttpretty.clear)
        aiohttpretty.activate()
        aiohttpretty.activate()
        aiohttpretty.register_uri("GET", "http://api.test/x", body=b"x")
        self.assertEqual(asyncio.run(get("http://api.test/x")), b"x")
        aiohttpretty.deactivate()

    def test_deactivate_without_activate_is_harmless(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.deactivate()
        mock.deactivate()
        aiohttpretty.deactivate()
        self.assertFalse(mock.is_active)
        # It also leaves another active mock alone.
        other = aiohttpretty.AioHTTPretty()
        other.register_uri("GET", "http://api.test/x", body=b"other")
        other.activate()
        try:
            mock.deactivate()
            self.assertTrue(other.is_active)
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"other")
        finally:
            other.deactivate()

    def test_activate_deactivate_many_times(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "http://api.test/x", body=b"x")
        for _ in range(50):
            mock.activate()
            self.assertTrue(patched())
            mock.deactivate()
            self.assertTrue(originals_restored())
        mock.activate()
        try:
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"x")
        finally:
            mock.deactivate()

    def test_the_last_activated_mock_answers_and_deactivation_order_does_not_matter(self):
        first, second = aiohttpretty.AioHTTPretty(), aiohttpretty.AioHTTPretty()
        first.register_uri("GET", "http://api.test/x", body=b"first")
        second.register_uri("GET", "http://api.test/x", body=b"second")
        first.activate()
        second.activate()
        try:
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"second")
            first.deactivate()  # not the last one: the second keeps answering
            self.assertTrue(patched())
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"second")
            first.activate()  # back on top
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"first")
        finally:
            second.deactivate()
            self.assertTrue(patched())
            first.deactivate()
        self.assertEqual((len(first.calls), len(second.calls)), (1, 2))

    def test_one_activation_serves_several_event_loops_in_turn(self):
        mock = aiohttpretty.AioHTTPretty()
        mock.register_uri("GET", "https://api.test/x", body=b"x")
        mock.activate()
        try:
            for _ in range(5):
                self.assertEqual(asyncio.run(get("https://api.test/x")), b"x")
            loop = asyncio.new_event_loop()
            try:
                self.assertEqual(loop.run_until_complete(get("https://api.test/x")), b"x")
            finally:
                loop.close()
        finally:
            mock.deactivate()
        self.assertEqual(len(mock.calls), 6)

    def test_activation_inside_each_of_several_event_loops(self):
        for number in range(5):

            async def in_loop(number: int = number) -> bytes:
                with aiohttpretty.mocked() as mock:
                    mock.register_uri("GET", "https://api.test/x", body=str(number))
                    return await get("https://api.test/x")

            self.assertEqual(asyncio.run(in_loop()), str(number).encode())
            self.assertFalse(patched())

    def test_a_mocked_block_in_another_loop_while_a_mock_is_active(self):
        # The patches are shared: the inner block's exit must not unpatch for the outer mock.
        outer = aiohttpretty.AioHTTPretty()
        outer.register_uri("GET", "http://api.test/x", body=b"outer")
        outer.activate()
        try:
            inner_loop_result = asyncio.run(self._inner_mock_round())
            self.assertEqual(inner_loop_result, b"inner")
            self.assertTrue(outer.is_active)
            self.assertEqual(asyncio.run(get("http://api.test/x")), b"outer")
        finally:
            outer.deactivate()

    async def _inner_mock_round(self) -> bytes:
        with aiohttpretty.mocked() as inner:
            inner.register_uri("GET", "http://api.test/x", body=b"inner")
            return await get("http://api.test/x")

    def test_activation_failure_leaves_aiohttp_unpatched(self):
        mock = aiohttpretty.AioHTTPretty()
        with self.assertRaisesRegex(TypeError, "passthrough must be a list of host names"):
            mock.activate(passthrough=[1])
        self.assertFalse(mock.is_active)
        with self.assertRaisesRegex(TypeError, "passthrough must be a list"):
            with aiohttpretty.mocked(passthrough=[""]):
                pass  # pragma: no cover


class OneLoopPerTestCase(GuardedTestMixin, aiohttpretty.AioHTTPrettyTestCase):
    """Several tests in a row, each in the new event loop IsolatedAsyncioTestCase makes."""

    loops: dict[str, asyncio.AbstractEventLoop] = {}

    async def check(self, body: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.assertFalse(any(other is loop for test, other in self.loops.items() if test != self.id()))
        self.loops[self.id()] = loop
        self.assertTrue(patched())
        self.assertIs(_seam.active(), self.aiohttpretty)
        self.register_uri("GET", "https://api.test/x", body=body)
        self.assertEqual(await get("https://api.test/x"), body)

    async def test_1(self):
        await self.check(b"1")

    async def test_2(self):
        await self.check(b"2")

    async def test_3(self):
        await self.check(b"3")

    async def test_4_the_mock_is_activated_again_by_the_test(self):
        self.aiohttpretty.activate()
        self.aiohttpretty.activate()
        await self.check(b"4")
        self.aiohttpretty.deactivate()
        self.assertFalse(patched())
        self.aiohttpretty.activate()
        await self.check(b"4")


if __name__ == "__main__":
    unittest.main()

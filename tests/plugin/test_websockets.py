"""Websocket routes under pytest: on the ``aiohttpretty_mock`` fixture and with
the marker, their assertions, and the teardown checks of their handlers."""

import pytest

SUITE = """
import asyncio
import gc
import warnings

import aiohttp
import pytest

import aiohttpretty

CHAT = "ws://chat.test/room"


async def chat(messages):
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(CHAT) as ws:
            for message in messages:
                await ws.send_str(message)
                yield await ws.receive_str()


async def say(*messages):
    return [answer async for answer in chat(messages)]


async def test_fixture(aiohttpretty_mock):
    aiohttpretty_mock.register_websocket(CHAT, echo=True)
    assert await say("a", "b") == ["a", "b"]
    aiohttpretty_mock.assert_websocket_received(CHAT, "b")
    aiohttpretty_mock.assert_websocket_sent(CHAT, "a")
    assert [m.data for m in aiohttpretty_mock.websockets[0].received] == ["a", "b", 1000]


@pytest.mark.aiohttpretty
async def test_marker_and_module_level():
    async def handler(ws):
        async for msg in ws:
            await ws.send_str(msg.data * 2)

    aiohttpretty.register_websocket(CHAT, handler)
    assert await say("ab") == ["abab"]
    assert aiohttpretty.websockets[0].sent[0].data == "abab"


async def test_failing_assertion(aiohttpretty_mock):
    aiohttpretty_mock.register_websocket(CHAT, echo=True)
    await say("hello")
    aiohttpretty_mock.assert_websocket_received(CHAT, "goodbye")


async def test_handler_raises(aiohttpretty_mock):
    async def handler(ws):
        await ws.receive()
        raise LookupError("no such room")

    aiohttpretty_mock.register_websocket(CHAT, handler)
    try:
        await say("x")
    except Exception:
        pass  # the code under test swallows the close


async def test_handler_left_running(aiohttpretty_mock):
    async def handler(ws):
        await asyncio.sleep(3600)

    aiohttpretty_mock.register_websocket(CHAT, handler)
    session = aiohttp.ClientSession()
    test_handler_left_running.leaked = (session, await session.ws_connect(CHAT))
    session.detach()  # the test ends with the websocket open
    await asyncio.sleep(0)


def test_zz_forget_the_leaked_websocket():
    # Its event loop is closed: let it go without the warnings of its end.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        del test_handler_left_running.leaked
        gc.collect()


async def test_unregistered(aiohttpretty_mock):
    with aiohttpretty_mock.raises(aiohttpretty.NoRouteMatched, match="No websocket route matches"):
        await say("x")
"""


def test_websockets_under_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=6, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_failing_assertion*",
            "E       AssertionError: Expected a websocket to ws://chat.test/room to have received TEXT*",
            "E       Its conversation:",
            "E         GET ws://chat.test/room:",
            "E           client: TEXT 'hello'",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_handler_raises*",
            "Mocked responders failed:",
            "  websocket handler handler() of GET ws://chat.test/room (websocket)*",
            "*LookupError: no such room",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_handler_left_running*",
            "Mocked responders failed:",
            "*it was cancelled while its connection was still open (did the test end without closing it?)",
        ]
    )

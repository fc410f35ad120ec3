"""The marker's ``cassette=``/``record_mode=`` options and ``--aiohttpretty-record``:
record from a real server on 127.0.0.1, then replay with the server gone."""

import json
import socket

import pytest

SUITE = """
import asyncio
import os

import pytest
from aiohttp import web

from webclient import get

PORT = {port}


async def hello(request):
    return web.Response(text="hello from the server")


async def run():
    runner = None
    if os.environ.get("START_SERVER"):
        app = web.Application()
        app.router.add_get("/hello", hello)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", PORT).start()
    try:
        return await get(f"http://127.0.0.1:{{PORT}}/hello")
    finally:
        if runner is not None:
            await runner.cleanup()


@pytest.mark.aiohttpretty(
    cassette="cassettes/{{test}}.json", cassette_options={{"filter_headers": ["Server"]}}
)
def test_hello():
    assert asyncio.run(run()) == b"hello from the server"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_record_once_then_replay_and_override_from_the_command_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_suite=SUITE.format(port=_free_port()))
    monkeypatch.setenv("START_SERVER", "1")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_hello.json"
    recorded = json.loads(path.read_text())
    response = recorded["exchanges"][0]["response"]
    assert response["body"] == "hello from the server"
    assert ["Server", "<FILTERED>"] in response["headers"]

    monkeypatch.delenv("START_SERVER")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)  # replayed: no server

    before = path.read_bytes()
    result = pytester.runpytest("-p", "no:randomly", "--aiohttpretty-record=all")
    result.assert_outcomes(failed=1)  # re-recording needs the server
    assert path.read_bytes() == before  # a failed test writes nothing


def test_marker_options_are_checked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.aiohttpretty(cassette="c.json", record_mode="sometimes")
        def test_bad_mode():
            pass

        @pytest.mark.aiohttpretty(cassette="missing.json", record_mode="none")
        def test_missing_cassette():
            pass

        @pytest.mark.aiohttpretty(cassette="c.json", cassette_options=["keep_headers"])
        def test_bad_cassette_options():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*(cassette_options=...) must be a dict, got *keep_headers*"])
    result.stdout.fnmatch_lines(["*record_mode=...) must be one of once, none, new_episodes, all*"])
    result.stdout.fnmatch_lines(["*missing.json does not exist, and record mode 'none' only replays*"])
    assert "--aiohttpretty-record" in pytester.runpytest("--help").stdout.str()

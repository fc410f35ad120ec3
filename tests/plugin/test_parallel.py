"""A suite run with pytest-xdist (``-n 2``) and in random order
(pytest-randomly): the marker, the fixture, ``mocked()`` and the checks at
teardown work in each worker process, whatever the order, and the failures
reach the report as in a serial run."""

import re

import pytest

#: Ten of each passing kind (parametrised), and one of each failing one, each
#: with its own URL so that a report names the test it comes from.
SUITE = """
import asyncio

import pytest

import aiohttpretty
from webclient import get, get_or_none

TEN = pytest.mark.parametrize("n", range(10))


@TEN
@pytest.mark.aiohttpretty
def test_marker(n):
    aiohttpretty.register_uri("GET", f"http://api.test/marker/{n}", body=b"marker")
    assert asyncio.run(get(f"http://api.test/marker/{n}")) == b"marker"
    assert [str(call.url) for call in aiohttpretty.calls] == [f"http://api.test/marker/{n}"]


@TEN
def test_fixture(aiohttpretty_mock, n):
    assert len(aiohttpretty_mock.registry) == 0
    aiohttpretty_mock.register_uri("GET", f"http://api.test/fixture/{n}", body=b"fixture")
    assert asyncio.run(get(f"http://api.test/fixture/{n}")) == b"fixture"
    aiohttpretty_mock.assert_call_count("GET", f"http://api.test/fixture/{n}", 1)


@TEN
@pytest.mark.asyncio
async def test_async_fixture(aiohttpretty_mock, n):
    aiohttpretty_mock.register_uri("GET", f"http://api.test/async/{n}", body=b"async")
    assert await get(f"http://api.test/async/{n}") == b"async"
    with pytest.raises(aiohttpretty.NoRouteMatched):
        await get(f"http://api.test/async/{n + 1}")


@TEN
def test_mocked(n):
    with aiohttpretty.mocked() as mock:
        mock.register_uri("GET", f"http://api.test/mocked/{n}", body=b"mocked")
        assert asyncio.run(get(f"http://api.test/mocked/{n}")) == b"mocked"
    assert not mock.is_active and not aiohttpretty.current().is_active


@TEN
def test_nothing_is_active_outside(n):
    assert not aiohttpretty.current().is_active
    assert len(aiohttpretty.registry) == 0


@pytest.mark.aiohttpretty
def test_swallowed_refusal():
    assert asyncio.run(get_or_none("http://api.test/swallowed")) is None


@pytest.mark.aiohttpretty(assert_all_called=True)
def test_unused_route():
    aiohttpretty.register_uri("GET", "http://api.test/unused")


@pytest.mark.aiohttpretty
def test_unregistered_request():
    asyncio.run(get("http://api.test/unregistered"))
"""


def test_marker_fixture_mocked_and_teardown_in_two_workers_in_random_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    # In a subprocess, as a user's run: xdist starts its workers from it.
    result = pytester.runpytest_subprocess("-n", "2", "-p", "randomly", "-v")
    # The two tests that fail at teardown passed their call.
    result.assert_outcomes(passed=52, failed=1, errors=2)
    result.stdout.fnmatch_lines(["Using --randomly-seed=*", "2 workers [53 items]"])
    # Each block on its own: in random order the reports come in any order.
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallowed_refusal*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/swallowed",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unused_route*",
            "Registered routes were never requested (assert_all_called is on):",
            "  GET http://api.test/unused*",
        ]
    )
    result.stdout.fnmatch_lines(["*NoRouteMatched: No route matches GET http://api.test/unregistered*"])
    # Both workers ran tests, and not in the order of the file.
    ran = re.findall(r"^\[(gw\d)\] \[ *\d+%\] \w+ test_suite\.py::(\w+)", result.stdout.str(), re.MULTILINE)
    assert {worker for worker, _ in ran} == {"gw0", "gw1"}
    names = [name for _, name in ran]
    assert names != sorted(names, key=SUITE.index)

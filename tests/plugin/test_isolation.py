"""Isolation under pytest: 120 generated tests, written in a shuffled order
(fixed seed), mixing the marker with the module-level API, the fixture, async
tests (pytest-asyncio) and plain functions using ``mocked()``, with a request
left unregistered on purpose in some.  None sees another's routes or calls, and
after the run aiohttp is unpatched."""

import random

import pytest

SEED = 20261125
TOTAL = 120

HEADER = '''
import asyncio

import aiohttp
import pytest

import aiohttpretty
from aiohttpretty import _seam
from webclient import get


def own_state_only(mock, number):
    """The mock holds this test's route and calls only."""
    assert [key[1] for key in mock.registry] == [f"http://api.test/{number}"]
    assert [str(call.url) for call in mock.calls] == [f"http://api.test/{number}"]


def earlier_routes_are_gone(number):
    """The route of the test before this one is not registered here."""
    if number > 0:
        with pytest.raises(aiohttpretty.NoRouteMatched):
            asyncio.run(get(f"http://api.test/{number - 1}"))


def test_zz_aiohttp_is_unpatched_after_all():
    assert _seam._active == []
    assert not getattr(aiohttp.ClientSession._request, "_aiohttpretty_patch", False)
'''

KINDS = {
    "marker": """
@pytest.mark.aiohttpretty
def test_{n:03d}_marker():
    aiohttpretty.register_uri("GET", "http://api.test/{n}", body=b"{n}")
    assert asyncio.run(get("http://api.test/{n}")) == b"{n}"
    own_state_only(aiohttpretty.current(), {n})
    earlier_routes_are_gone({n})
""",
    "fixture": """
def test_{n:03d}_fixture(aiohttpretty_mock):
    aiohttpretty_mock.register_uri("GET", "http://api.test/{n}", body=b"{n}")
    assert asyncio.run(get("http://api.test/{n}")) == b"{n}"
    own_state_only(aiohttpretty_mock, {n})
    aiohttpretty_mock.assert_call_count("GET", "http://api.test/{n}", 1)
    earlier_routes_are_gone({n})
""",
    "async": """
@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_{n:03d}_async(aiohttpretty_mock):
    aiohttpretty.register_uri("GET", "http://api.test/{n}", body=b"{n}")
    assert await get("http://api.test/{n}") == b"{n}"
    own_state_only(aiohttpretty_mock, {n})
    if {n} > 0:
        with pytest.raises(aiohttpretty.NoRouteMatched):
            await get("http://api.test/{n_before}")
""",
    "mocked": """
def test_{n:03d}_mocked():
    with aiohttpretty.mocked() as mock:
        mock.register_uri("GET", "http://api.test/{n}", body=b"{n}")
        assert asyncio.run(get("http://api.test/{n}")) == b"{n}"
        own_state_only(mock, {n})
        earlier_routes_are_gone({n})
    assert _seam._active == []
""",
}


def test_shuffled_tests_never_see_each_other(pytester: pytest.Pytester) -> None:
    kinds = list(KINDS)
    tests = [KINDS[kinds[n % len(kinds)]].format(n=n, n_before=n - 1) for n in range(TOTAL)]
    random.Random(SEED).shuffle(tests)
    pytester.makepyfile(test_generated=HEADER + "".join(tests))
    # The generated tests run in file order: shuffled, so each kind follows every other.
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=TOTAL + 1)

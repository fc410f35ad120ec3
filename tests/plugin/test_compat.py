"""Suites that kept the conftest hooks they wrote for the original
aiohttpretty run unchanged beside the plugin."""

import aiohttp
import pytest

import aiohttpretty

#: The conftest.py such suites have (activation is idempotent, so the plugin's
#: fresh mock simply stays active).
OLD_CONFTEST = """
import aiohttpretty


def pytest_configure(config):
    config.addinivalue_line("markers", "aiohttpretty: mark tests to activate aiohttpretty")


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("aiohttpretty")
    if marker is not None:
        aiohttpretty.clear()
        aiohttpretty.activate()


def pytest_runtest_teardown(item):
    marker = item.get_closest_marker("aiohttpretty")
    if marker is not None:
        aiohttpretty.deactivate()
"""

#: Tests in the original's style: module-level API, ``call['uri']``, sync fixtures.
OLD_TESTS = """
import asyncio

import aiohttp
import pytest

import aiohttpretty

URL = "http://storage.test/files/1"


@pytest.fixture
def provider():
    return {"base": "http://storage.test/files/"}


@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_download(provider):
    aiohttpretty.register_uri("GET", provider["base"] + "1", body=b"data", auto_length=True)
    async with aiohttp.ClientSession() as session:
        async with session.get(URL, headers={"Authorization": "Bearer t"}) as response:
            assert await response.read() == b"data"
    assert aiohttpretty.has_call(method="GET", uri=URL)
    assert aiohttpretty.calls[0]["uri"] == URL
    assert aiohttpretty.calls[0]["headers"] == {"Authorization": "Bearer t"}


@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_upload_json():
    aiohttpretty.register_json_uri("PUT", URL, status=201, body={"id": 1})
    async with aiohttp.ClientSession() as session:
        async with session.put(URL, data=b"x") as response:
            assert response.status == 201
            assert await response.json() == {"id": 1}
    assert aiohttpretty.has_call(method="PUT", uri=URL, data=b"x")


@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_nothing_leaks_from_the_previous_tests():
    assert len(aiohttpretty.registry) == 0
    assert list(aiohttpretty.calls) == []
"""


def originals() -> list[object]:
    return [
        aiohttp.ClientSession.__dict__["_request"],
        aiohttp.BaseConnector.__dict__["_create_connection"],
        aiohttp.TCPConnector.__dict__["_create_connection"],
    ]


def test_old_conftest_suite_passes_unchanged(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(OLD_CONFTEST)
    pytester.makepyfile(test_old=OLD_TESTS)
    before, default = originals(), aiohttpretty.current()
    result = pytester.runpytest("--strict-markers", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    # The conftest's activate() and deactivate() acted on each test's own mock:
    # the default mock was never activated, and aiohttp is restored.
    assert aiohttpretty.current() is default
    assert not default.is_active
    assert originals() == before


def test_the_same_suite_passes_without_the_plugin(pytester: pytest.Pytester) -> None:
    # The hooks alone still work (on the default mock): the plugin is a drop-in.
    pytester.makeconftest(OLD_CONFTEST)
    pytester.makepyfile(test_old=OLD_TESTS)
    before = originals()
    result = pytester.runpytest("--strict-markers", "-p", "no:aiohttpretty", "-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert originals() == before
    aiohttpretty.clear()


def test_old_conftest_keeps_the_plugins_teardown_strictness(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(OLD_CONFTEST)
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.mark.aiohttpretty
        def test_swallows():
            assert asyncio.run(get_or_none("http://api.test/unknown")) is None


        @pytest.mark.aiohttpretty
        def test_unregistered():
            asyncio.run(get("http://api.test/unknown"))
        """
    )
    before = originals()
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallows*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/unknown",
            "*NoRouteMatched: No route matches GET http://api.test/unknown*",
        ]
    )
    assert originals() == before


def test_a_conftest_that_clears_at_teardown_does_not_hide_refusals(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import aiohttpretty


        def pytest_runtest_teardown(item):
            if item.get_closest_marker("aiohttpretty") is not None:
                aiohttpretty.deactivate()
                aiohttpretty.clear()
        """
    )
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get_or_none


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_swallows():
            aiohttpretty.register_uri("GET", "http://api.test/unused")
            assert asyncio.run(get_or_none("http://api.test/unknown")) is None
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "Requests that matched no registered route were made:",
            "  GET http://api.test/unknown",
            "Registered routes were never requested (assert_all_called is on):",
            "  GET http://api.test/unused*",
        ]
    )

"""With pytest-asyncio (strict and auto mode) and pytest-aiohttp: the mock is
active while async fixtures set up and tear down."""

import pytest

import aiohttpretty

#: Async tests and fixtures, marked for pytest-asyncio's strict mode.
STRICT_SUITE = """
import aiohttp
import pytest
import pytest_asyncio

import aiohttpretty
from webclient import get, get_or_none


@pytest_asyncio.fixture
async def token():
    # Runs before the test, with the test's mock already active.
    aiohttpretty.register_json_uri("POST", "http://auth.test/token", body={"token": "t0k"})
    aiohttpretty.register_uri("DELETE", "http://auth.test/token/t0k", status=204)
    async with aiohttp.ClientSession() as session:
        async with session.post("http://auth.test/token") as response:
            value = (await response.json())["token"]
    yield value
    # Runs after the test, still mocked.
    async with aiohttp.ClientSession() as session:
        async with session.delete(f"http://auth.test/token/{value}") as response:
            assert response.status == 204


@pytest_asyncio.fixture
async def swallowing_teardown():
    yield
    await get_or_none("http://auth.test/forgotten")


@pytest.mark.aiohttpretty(assert_all_called=True)
@pytest.mark.asyncio
async def test_marked_with_async_fixture(token):
    aiohttpretty.register_uri("GET", "http://api.test/me", body=b"me")
    assert await get("http://api.test/me", headers={"Authorization": token}) == b"me"
    assert aiohttpretty.has_call("http://auth.test/token", method="POST")


@pytest.mark.asyncio
async def test_fixture_listed_after_the_async_fixture(token, aiohttpretty_mock):
    # The mock was active before `token` ran, though requested after it.
    aiohttpretty_mock.assert_called("POST", "http://auth.test/token")
    assert aiohttpretty.current() is aiohttpretty_mock


@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_unregistered_request_fails():
    await get("http://api.test/unregistered")


@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_async_fixture_teardown_is_checked(swallowing_teardown):
    pass


def test_zz_nothing_is_left_active():
    assert not aiohttpretty.current().is_active
"""


def test_pytest_asyncio_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(STRICT_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=4, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_async_fixture_teardown_is_checked*",
            "Requests that matched no registered route were made:",
            "  GET http://auth.test/forgotten",
            "*test_unregistered_request_fails*",
            "*NoRouteMatched: No route matches GET http://api.test/unregistered*",
        ]
    )


def test_pytest_asyncio_auto_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import aiohttp
        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.fixture
        async def greeting():
            aiohttpretty.register_uri("GET", "http://api.test/hello", body=b"hello")
            return await get("http://api.test/hello")


        @pytest.mark.aiohttpretty
        async def test_marked(greeting):
            assert greeting == b"hello"
            aiohttpretty.register_uri("GET", "http://api.test/x", body=b"x")
            assert await get("http://api.test/x") == b"x"


        async def test_fixture(aiohttpretty_mock, greeting):
            aiohttpretty_mock.assert_call_count("GET", "http://api.test/hello", 1)


        async def test_not_mocked_without_marker_or_fixture():
            assert not aiohttpretty.current().is_active


        @pytest.mark.aiohttpretty
        async def test_swallowed():
            assert await get_or_none("http://api.test/unknown") is None


        @pytest.mark.aiohttpretty
        async def test_failing_assertion(aiohttpretty_mock):
            aiohttpretty_mock.assert_called("GET", "http://api.test/never")
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=4, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallowed*",
            "  GET http://api.test/unknown",
            "*test_failing_assertion*",
            "E       AssertionError: Expected request not made.",
            "E       Expected: GET http://api.test/never",
            "E       Actual: no requests were made.",
        ]
    )


def test_strict_suite_also_runs_in_auto_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(STRICT_SUITE)
    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=4, failed=1, errors=1)


#: An aiohttp.web app that itself calls an upstream API with aiohttp's client.
APP = """
import aiohttp
from aiohttp import web


async def weather(request):
    city = request.query["city"]
    async with aiohttp.ClientSession() as session:
        async with session.get("http://weather.test/now", params={"city": city}) as response:
            data = await response.json()
    return web.json_response({"city": city, "temp": data["temp"]})


def make_app():
    app = web.Application()
    app.router.add_get("/weather", weather)
    return app
"""


def test_pytest_aiohttp_client_with_passthrough(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(weatherapp=APP)
    pytester.makepyfile(
        """
        import pytest

        from weatherapp import make_app

        pytestmark = pytest.mark.aiohttpretty(passthrough=["127.0.0.1"])


        async def test_app_with_mocked_upstream(aiohttp_client, aiohttpretty_mock):
            aiohttpretty_mock.register_json_uri(
                "GET", "http://weather.test/now", params={"city": "Oslo"}, body={"temp": -3}
            )
            client = await aiohttp_client(make_app())
            response = await client.get("/weather", params={"city": "Oslo"})
            assert response.status == 200
            assert await response.json() == {"city": "Oslo", "temp": -3}
            aiohttpretty_mock.assert_call_count("GET", "http://weather.test/now", 1, params={"city": "Oslo"})
            # Requests to the test server went through to it, unrecorded.
            assert [call.url.host for call in aiohttpretty_mock.calls] == ["weather.test"]


        async def test_upstream_refusal_swallowed_by_the_server(aiohttp_client):
            client = await aiohttp_client(make_app())
            response = await client.get("/weather", params={"city": "Nowhere"})
            assert response.status == 500


        @pytest.mark.aiohttpretty(passthrough=[])
        async def test_without_passthrough_the_test_server_is_mocked(aiohttp_client):
            client = await aiohttp_client(make_app())
            await client.get("/weather", params={"city": "Oslo"})
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    assert not aiohttpretty.current().is_active
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_upstream_refusal_swallowed_by_the_server*",
            "Requests that matched no registered route were made:",
            "  GET http://weather.test/now?city=Nowhere",
            "*test_without_passthrough_the_test_server_is_mocked*",
            "*NoRouteMatched: No route matches GET http://127.0.0.1:*/weather?city=Oslo*",
        ]
    )

"""Tests written with aiohttpretty's pytest plugin (see docs/pytest.rst).

The plugin comes with aiohttpretty and needs no import or conftest.py.  The
async tests run with pytest-asyncio (strict mode: ``@pytest.mark.asyncio``);
``aiohttp_client`` is pytest-aiohttp's.  Run them with
``python -m pytest examples/pytest``.
"""

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

import aiohttpretty

API = "https://weather.test/v1/"


async def temperature(session, city):
    """The code under test: the current temperature of ``city``."""
    async with session.get(API + "current", params={"city": city}) as response:
        response.raise_for_status()
        return (await response.json())["celsius"]


# [marker]
@pytest.mark.aiohttpretty
@pytest.mark.asyncio
async def test_with_the_marker():
    aiohttpretty.register_json_uri("GET", API + "current", params={"city": "Oslo"}, body={"celsius": -3.5})

    async with aiohttp.ClientSession() as session:
        assert await temperature(session, "Oslo") == -3.5

    assert aiohttpretty.has_call(API + "current", params={"city": "Oslo"})
    assert aiohttpretty.calls[0]["uri"] == API + "current?city=Oslo"


# [fixture]
@pytest.mark.asyncio
async def test_with_the_fixture(aiohttpretty_mock):
    aiohttpretty_mock.register_json_uri(
        "GET", API + "current", params={"city": "Oslo"}, body={"celsius": -3.5}
    )
    aiohttpretty_mock.register_uri("GET", API + "current", params={"city": "Atlantis"}, status=404)

    async with aiohttp.ClientSession() as session:
        assert await temperature(session, "Oslo") == -3.5
        with pytest.raises(aiohttp.ClientResponseError):
            await temperature(session, "Atlantis")

    aiohttpretty_mock.assert_called("GET", API + "current", params={"city": "Oslo"})
    aiohttpretty_mock.assert_call_count("GET", API + "current", 2, check_params=False)
    aiohttpretty_mock.assert_not_called("POST", API + "current", check_params=False)


@pytest.mark.asyncio
async def test_a_city_nobody_registered(aiohttpretty_mock):
    async with aiohttp.ClientSession() as session:
        with aiohttpretty_mock.raises(aiohttpretty.NoRouteMatched, match="city=Bergen"):
            await temperature(session, "Bergen")


# [async-fixture]
@pytest_asyncio.fixture
async def session(aiohttpretty_mock):
    # Set up with the test's mock already active: this login is mocked.
    aiohttpretty_mock.register_json_uri("POST", API + "token", body={"token": "t0k"})
    async with aiohttp.ClientSession() as login:
        async with login.post(API + "token") as response:
            token = (await response.json())["token"]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        yield session


@pytest.mark.aiohttpretty(assert_all_called=True)
@pytest.mark.asyncio
async def test_every_route_is_used(session, aiohttpretty_mock):
    aiohttpretty_mock.register_json_uri("GET", API + "current", params={"city": "Oslo"}, body={"celsius": 1})

    assert await temperature(session, "Oslo") == 1

    aiohttpretty_mock.assert_called(
        "GET", API + "current", params={"city": "Oslo"}, headers={"Authorization": "Bearer t0k"}
    )


# [aiohttp-client]
async def forecast(request):
    """A handler of the web app under test: it calls the weather API itself."""
    city = request.query["city"]
    async with aiohttp.ClientSession() as session:
        celsius = await temperature(session, city)
    return web.json_response({"city": city, "warm": celsius > 20})


@pytest.mark.aiohttpretty(passthrough=["127.0.0.1"])  # the test server is real
@pytest.mark.asyncio
async def test_web_app(aiohttp_client, aiohttpretty_mock):
    aiohttpretty_mock.register_json_uri("GET", API + "current", params={"city": "Rome"}, body={"celsius": 28})
    app = web.Application()
    app.router.add_get("/forecast", forecast)
    client = await aiohttp_client(app)

    response = await client.get("/forecast", params={"city": "Rome"})

    assert response.status == 200
    assert await response.json() == {"city": "Rome", "warm": True}
    aiohttpretty_mock.assert_call_count("GET", API + "current", 1, check_params=False)

"""Tests of the pytest plugin.  Each writes a small test suite with pytester
and runs pytest on it, so that what is checked is what a user's run reports.

This directory has no ``__init__.py``: ``python -m unittest discover`` of
``tests/`` (run without pytest installed) does not enter it.
"""

import pytest

# The pytester plugin is enabled in setup.cfg (``-p pytester``): pytest refuses
# ``pytest_plugins`` in a conftest.py below the root directory.

#: A module every written suite can import: the code under test.
WEBCLIENT = '''
import aiohttp


async def get(url, **kwargs):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, **kwargs) as response:
            return await response.read()


async def post(url, **kwargs):
    async with aiohttp.ClientSession() as session:
        async with session.post(url, **kwargs) as response:
            return await response.read()


async def get_or_none(url):
    """Swallows every error, as careless code under test does."""
    try:
        return await get(url)
    except Exception:
        return None
'''


@pytest.fixture(autouse=True)
def _suite_files(pytester: pytest.Pytester) -> None:
    # pytest-asyncio's loop scope is set, as a project using it would.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(webclient=WEBCLIENT)

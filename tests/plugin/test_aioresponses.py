"""aiohttpretty.aioresponses in pytest: the fixture aioresponses' README shows,
and the marker's strictness for a refusal the code under test swallowed."""

import pytest


def test_an_aioresponses_fixture_and_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import aiohttp
        import pytest

        from aiohttpretty.aioresponses import aioresponses
        from webclient import get, get_or_none


        @pytest.fixture
        def mocked():
            with aioresponses() as m:
                yield m


        @pytest.mark.asyncio
        async def test_fixture(mocked):
            mocked.get("http://api.test/x", body="hi")
            assert await get("http://api.test/x") == b"hi"
            mocked.assert_called_once_with("http://api.test/x")


        @pytest.mark.asyncio
        async def test_unmarked_swallowed_refusal_passes_as_with_aioresponses(mocked):
            assert await get_or_none("http://api.test/nothing") is None


        @pytest.mark.aiohttpretty
        @pytest.mark.asyncio
        async def test_marked_swallowed_refusal(mocked):
            assert await get_or_none("http://api.test/swallowed") is None


        @pytest.mark.aiohttpretty
        @pytest.mark.asyncio
        async def test_marked_expected_refusal(mocked):
            with pytest.raises(aiohttp.ClientConnectionError, match="Connection refused: GET"):
                await get("http://api.test/expected")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, errors=1)  # the swallowing test passes, then errors at teardown
    result.stdout.fnmatch_lines(["*test_marked_swallowed_refusal*", "*http://api.test/swallowed*"])
    result.stdout.no_fnmatch_line("*api.test/expected*")

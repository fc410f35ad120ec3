"""register_app under pytest: the fixture's mock serves an app in memory,
and the app is cleaned up on the test's event loop (pytest-asyncio's)."""

import pytest


def test_fixture_serves_an_app_and_cleans_it_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import aiohttp
        import pytest
        from aiohttp import web

        events = []


        def make_app():
            async def hello(request):
                return web.json_response({"hello": request.match_info["name"]})

            async def context(app):
                events.append("started")
                yield
                events.append("cleaned up")

            app = web.Application()
            app.cleanup_ctx.append(context)
            app.router.add_get("/hello/{name}", hello)
            return app


        @pytest.mark.asyncio
        async def test_served(aiohttpretty_mock):
            aiohttpretty_mock.register_app("https://api.example.com", make_app())
            async with aiohttp.ClientSession() as session:
                async with session.get("https://api.example.com/hello/you") as response:
                    assert await response.json() == {"hello": "you"}
            aiohttpretty_mock.assert_called("GET", "https://api.example.com/hello/you")
            assert events == ["started"]


        def test_cleaned_up_after_the_test():
            assert events == ["started", "cleaned up"]


        @pytest.mark.asyncio
        async def test_handler_error_fails_the_test(aiohttpretty_mock):
            async def broken(request):
                raise KeyError("missing")

            aiohttpretty_mock.register_app("https://api.example.com", broken)
            async with aiohttp.ClientSession() as session:
                async with session.get("https://api.example.com/") as response:
                    assert response.status == 500
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore::DeprecationWarning"
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*GET https://api.example.com/: KeyError: 'missing'*", "*Traceback*"])

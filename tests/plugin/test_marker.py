"""``@pytest.mark.aiohttpretty``: registration, a fresh mock per test, the
module-level API inside a marked test, and the marker's options."""

import pytest


def test_marker_is_registered_under_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.aiohttpretty
        def test_plain():
            pass

        @pytest.mark.aiohttpretty(assert_all_called=True, passthrough=["127.0.0.1"])
        def test_with_options():
            pass
        """
    )
    # In a subprocess: pytest.mark caches the marker names an earlier in-process run knew.
    result = pytester.runpytest_subprocess("--strict-markers")
    result.assert_outcomes(passed=2)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.aiohttpretty(assert_all_called=False, passthrough=None, "
            "passthrough_unmatched=False, cassette=None, *): *"
        ]
    )


def test_a_misspelt_marker_is_still_refused_under_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.aiohttpertty
        def test_typo():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'aiohttpertty' not found in `markers` configuration option*"])


def test_module_level_api_acts_on_the_tests_active_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get


        @pytest.mark.aiohttpretty
        def test_register_request_and_inspect():
            mock = aiohttpretty.current()
            assert mock.is_active
            aiohttpretty.register_uri("GET", "http://api.test/x", params={"page": 1}, body=b"hello")
            aiohttpretty.register_json_uri("GET", "http://api.test/j", body={"a": 1})
            assert asyncio.run(get("http://api.test/x?page=1", headers={"X-Id": "7"})) == b"hello"
            assert asyncio.run(get("http://api.test/j")) == b'{"a": 1}'
            assert aiohttpretty.has_call("http://api.test/x", params={"page": 1}, headers={"X-Id": "7"})
            assert not aiohttpretty.has_call("http://api.test/x", params={"page": 2})
            assert [call["uri"] for call in aiohttpretty.calls] == [
                "http://api.test/x?page=1",
                "http://api.test/j",
            ]
            assert len(aiohttpretty.registry) == 2
            assert aiohttpretty.current() is mock


        def test_unmarked_test_runs_without_a_mock():
            mock = aiohttpretty.current()
            assert not mock.is_active
            assert list(mock.calls) == []
            assert len(mock.registry) == 0
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_every_marked_test_gets_a_fresh_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none

        seen = []


        @pytest.mark.aiohttpretty
        def test_first_registers_and_calls():
            seen.append(aiohttpretty.current())
            aiohttpretty.register_uri("GET", "http://api.test/x", body=b"one")
            assert asyncio.run(get("http://api.test/x")) == b"one"


        @pytest.mark.aiohttpretty
        def test_second_sees_nothing_of_the_first():
            seen.append(aiohttpretty.current())
            assert seen[0] is not seen[1]
            assert len(aiohttpretty.registry) == 0
            assert list(aiohttpretty.calls) == []
            assert asyncio.run(get_or_none("http://api.test/x")) is None
        """
    )
    # The second test's refused request fails it at teardown: nothing is shared,
    # and the first test's route does not answer it.
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_second_sees_nothing_of_the_first*",
            "*Requests that matched no registered route were made:",
            "*GET http://api.test/x",
        ]
    )


def test_the_default_mock_is_untouched_by_marked_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get

        default = aiohttpretty.current()


        @pytest.mark.aiohttpretty
        def test_marked():
            assert aiohttpretty.current() is not default
            aiohttpretty.register_uri("GET", "http://api.test/x")
            asyncio.run(get("http://api.test/x"))


        def test_after():
            assert aiohttpretty.current() is default
            assert not default.is_active
            assert len(default.registry) == 0 and list(default.calls) == []
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_an_unregistered_request_fails_the_test_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get


        @pytest.mark.aiohttpretty
        def test_unregistered():
            aiohttpretty.register_uri("GET", "http://api.test/known")
            asyncio.run(get("http://api.test/unknown"))
        """
    )
    result = pytester.runpytest()
    # Reported by the test itself, not again at teardown.
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*NoRouteMatched: No route matches GET http://api.test/unknown*"])
    result.stdout.no_fnmatch_line("*ERROR at teardown*")


def test_marker_on_a_class_and_on_a_module(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        import aiohttpretty

        pytestmark = pytest.mark.aiohttpretty


        def test_module_marked():
            assert aiohttpretty.current().is_active


        @pytest.mark.aiohttpretty(assert_all_called=True)
        class TestMarkedClass:
            def test_class_option_applies(self):
                aiohttpretty.register_uri("GET", "http://api.test/never")

            @pytest.mark.aiohttpretty(assert_all_called=False)
            def test_closest_marker_wins(self):
                aiohttpretty.register_uri("GET", "http://api.test/never")
        """
    )
    result = pytester.runpytest("--strict-markers", "-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of TestMarkedClass.test_class_option_applies*",
            "*Registered routes were never requested (assert_all_called is on):",
            "*GET http://api.test/never",
        ]
    )


def test_unknown_marker_options_are_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        ran = []


        @pytest.mark.aiohttpretty(asert_all_called=True, color="red")
        def test_typo():
            ran.append(1)


        @pytest.mark.aiohttpretty("127.0.0.1")
        def test_positional():
            ran.append(1)


        @pytest.mark.aiohttpretty(assert_all_called="yes")
        def test_not_a_bool():
            ran.append(1)


        def test_none_ran():
            assert ran == []
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.aiohttpretty got unknown option(s) 'asert_all_called' "
            "(did you mean 'assert_all_called'?), 'color'. Valid options: assert_all_called, passthrough, "
            "passthrough_unmatched, cassette, record_mode, cassette_options.",
            "*@pytest.mark.aiohttpretty takes keyword arguments only (assert_all_called, passthrough, "
            "passthrough_unmatched, cassette, record_mode, cassette_options),"
            " got ('127.0.0.1',)",
            "*@pytest.mark.aiohttpretty(assert_all_called=...) must be True or False, got 'yes'",
        ]
    )


def test_passthrough_lets_listed_hosts_reach_the_network(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        import aiohttpretty
        from webclient import get


        async def serve_and_get():
            async def hello(request):
                return web.Response(text="real")

            app = web.Application()
            app.router.add_get("/", hello)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            try:
                return await get(str(server.make_url("/")))
            finally:
                await server.close()


        @pytest.mark.aiohttpretty(passthrough=["127.0.0.1"])
        @pytest.mark.asyncio
        async def test_passes_through():
            aiohttpretty.register_uri("GET", "http://api.test/", body=b"mocked")
            assert await serve_and_get() == b"real"
            assert await get("http://api.test/") == b"mocked"


        @pytest.mark.aiohttpretty
        @pytest.mark.asyncio
        async def test_without_passthrough_the_local_server_is_mocked_too():
            await serve_and_get()


        @pytest.mark.aiohttpretty(passthrough=42)
        def test_bad_passthrough():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_bad_passthrough*",
            "*TypeError*",
            "*test_without_passthrough_the_local_server_is_mocked_too*",
            "*NoRouteMatched: No route matches GET http://127.0.0.1:*",
        ]
    )


def test_passthrough_unmatched_sends_what_no_route_matches_to_the_network(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        import aiohttpretty
        from webclient import get


        async def serve(*paths):
            async def hello(request):
                return web.Response(text="real " + request.path)

            app = web.Application()
            app.router.add_get("/{path:.*}", hello)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            try:
                aiohttpretty.register_uri("GET", str(server.make_url("/mocked")), body=b"mocked")
                return [await get(str(server.make_url(path))) for path in paths]
            finally:
                await server.close()


        @pytest.mark.aiohttpretty(passthrough_unmatched=True)
        @pytest.mark.asyncio
        async def test_unmatched_reaches_the_server():
            assert await serve("/mocked", "/live") == [b"mocked", b"real /live"]


        @pytest.mark.aiohttpretty
        @pytest.mark.asyncio
        async def test_not_without_the_option():
            await serve("/live")


        @pytest.mark.aiohttpretty(passthrough_unmatched="yes")
        def test_not_a_bool():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.aiohttpretty(passthrough_unmatched=...) must be True or False, got 'yes'",
            "*test_not_without_the_option*",
            "*NoRouteMatched: No route matches GET http://127.0.0.1:*",
        ]
    )

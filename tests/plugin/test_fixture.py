"""The ``aiohttpretty_mock`` fixture: its mock, strict registration, its
assertions (the unittest ones, with the same messages) and ``raises``."""

import pytest


def test_fixture_is_the_tests_fresh_active_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from aiohttpretty.pytest_plugin import AioHTTPrettyFixture
        from webclient import get

        mocks = []


        def test_without_marker(aiohttpretty_mock):
            mocks.append(aiohttpretty_mock)
            assert isinstance(aiohttpretty_mock, AioHTTPrettyFixture)
            assert isinstance(aiohttpretty_mock, aiohttpretty.AioHTTPretty)
            assert aiohttpretty_mock.is_active
            assert aiohttpretty.current() is aiohttpretty_mock
            aiohttpretty_mock.register_uri("GET", "http://api.test/x", body=b"one")
            assert asyncio.run(get("http://api.test/x")) == b"one"


        @pytest.mark.aiohttpretty
        def test_with_marker_is_the_markers_mock(aiohttpretty_mock):
            mocks.append(aiohttpretty_mock)
            assert aiohttpretty.current() is aiohttpretty_mock
            aiohttpretty.register_uri("GET", "http://api.test/y")
            assert len(aiohttpretty_mock.registry) == 1


        def test_requested_late(request):
            assert not aiohttpretty.current().is_active
            mock = request.getfixturevalue("aiohttpretty_mock")
            mocks.append(mock)
            assert mock.is_active and aiohttpretty.current() is mock
            mock.register_uri("GET", "http://api.test/z", body=b"late")
            assert asyncio.run(get("http://api.test/z")) == b"late"


        def test_each_test_had_its_own_and_all_are_restored():
            assert len(set(map(id, mocks))) == 3
            assert not any(mock.is_active for mock in mocks)
            assert all(len(mock.registry) == 0 and list(mock.calls) == [] for mock in mocks)
            assert not aiohttpretty.current().is_active
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4)


def test_fixture_methods(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        from webclient import get, post


        @pytest.mark.asyncio
        async def test_register_request_and_inspect(aiohttpretty_mock):
            route = aiohttpretty_mock.register_uri("GET", "http://api.test/x", params={"q": "a"}, body=b"hi")
            aiohttpretty_mock.register_json_uri("POST", "http://api.test/j", status=201, body={"id": 1})
            assert await get("http://api.test/x", params={"q": "a"}, headers={"X-Id": "5"}) == b"hi"
            assert await post("http://api.test/j", json={"name": "n"}) == b'{"id": 1}'

            assert route.called and route.call_count == 1
            assert [(call.method, str(call.url)) for call in aiohttpretty_mock.calls] == [
                ("GET", "http://api.test/x?q=a"),
                ("POST", "http://api.test/j"),
            ]
            assert aiohttpretty_mock.calls[1].json() == {"name": "n"}
            assert aiohttpretty_mock.has_call("http://api.test/x", params={"q": "a"}, headers={"X-Id": "5"})
            assert aiohttpretty_mock.has_call("http://api.test/x", check_params=False)
            assert not aiohttpretty_mock.has_call("http://api.test/x", params={"q": "b"})

            response = await aiohttpretty_mock.fake_request("GET", "http://api.test/x?q=a")
            assert response.status == 200 and await response.read() == b"hi"
            assert len(aiohttpretty_mock.calls) == 3

            aiohttpretty_mock.assert_called(
                "GET", "http://api.test/x", params={"q": "a"}, headers={"X-Id": "5"}
            )
            aiohttpretty_mock.assert_called("POST", "http://api.test/j", json={"name": "n"})
            aiohttpretty_mock.assert_not_called("DELETE", "http://api.test/x", check_params=False)
            aiohttpretty_mock.assert_call_count("GET", "http://api.test/x", 2, params={"q": "a"})
            aiohttpretty_mock.assert_call_count("POST", "http://api.test/j", 0, json={"name": "other"})
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_fixture_queries_calls_and_their_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        import aiohttpretty
        from webclient import get, post


        @pytest.mark.asyncio
        async def test_order_and_filter(aiohttpretty_mock):
            aiohttpretty_mock.register_uri("*", "http://api.test/", prefix=True, text="ok")
            aiohttpretty_mock.register_uri("GET", "http://api.test/spare", optional=True)
            await post("http://api.test/login", json={"user": "ada"})
            await get("http://api.test/data")
            aiohttpretty_mock.assert_calls_in_order([("POST", "http://api.test/login"), ("GET", "http://api.test/data")])
            with pytest.raises(AssertionError, match="Actual sequence"):
                aiohttpretty_mock.assert_calls_in_order([("GET", "http://api.test/data"), ("POST", "http://api.test/login")])
            assert len(aiohttpretty_mock.get_calls("POST", json={"user": aiohttpretty.ANY})) == 1
            assert aiohttpretty_mock.calls[1].response.headers["Content-Type"] == "text/plain; charset=utf-8"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_fixture_registration_refuses_unknown_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get


        def test_register_uri(aiohttpretty_mock):
            with pytest.raises(TypeError, match=r"unknown option 'stauts' \\(did you mean 'status'\\?\\)"):
                aiohttpretty_mock.register_uri("GET", "http://api.test/x", stauts=404)
            assert len(aiohttpretty_mock.registry) == 0


        def test_register_json_uri(aiohttpretty_mock):
            with pytest.raises(TypeError, match="unknown option 'bdy'"):
                aiohttpretty_mock.register_json_uri("GET", "http://api.test/x", bdy={})


        def test_inside_responses(aiohttpretty_mock):
            with pytest.raises(TypeError, match="unknown option 'colour'"):
                aiohttpretty_mock.register_uri("GET", "http://api.test/x", responses=[{"colour": 1}])


        def test_the_original_api_only_warns(aiohttpretty_mock):
            with pytest.warns(aiohttpretty.UnknownOptionWarning, match="unknown option 'stauts'"):
                aiohttpretty.register_uri("GET", "http://api.test/x", stauts=404, body=b"ok")
            assert asyncio.run(get("http://api.test/x")) == b"ok"


        def test_an_unknown_option_not_caught_fails_the_test(aiohttpretty_mock):
            aiohttpretty_mock.register_uri("GET", "http://api.test/x", bodyy=b"x")
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        ["E   *TypeError: unknown option 'bodyy' (did you mean 'body'?). Valid options: params, *"]
    )


def test_assertion_messages_are_the_unittest_ones(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import unittest

        import pytest

        import aiohttpretty
        from webclient import get, post


        async def exercise(mock):
            # The same routes and requests, for the fixture and for a unittest case.
            mock.register_uri("GET", "http://api.test/x", match_params_partial=True)
            mock.register_uri("POST", "http://api.test/p")
            await get("http://api.test/x", params={"page": 1}, headers={"X-Id": "1"})
            await get("http://api.test/x", params={"page": 2})
            await post("http://api.test/p", json={"a": 1})


        def unittest_message(unittest_name, args, kwargs):
            class Case(aiohttpretty.AioHTTPrettyTestCase):
                async def test(self):
                    await exercise(self)
                    getattr(self, unittest_name)(*args, **kwargs)

            result = unittest.TestResult()
            Case("test").run(result)
            assert len(result.failures) == 1, result.errors
            text = result.failures[0][1]
            return text[text.rindex("AssertionError: ") + len("AssertionError: ") :].rstrip()


        @pytest.fixture
        def mock(aiohttpretty_mock):
            asyncio.run(exercise(aiohttpretty_mock))
            return aiohttpretty_mock


        CASES = [
            ("assert_called", "assertCalled", ("GET", "http://api.test/y"), {}, "Expected request not made."),
            (
                "assert_called",
                "assertCalled",
                ("GET", "http://api.test/x"),
                {"params": {"page": 3}, "headers": {"X-Id": "2"}},
                "differs: query page=1; header X-Id: 1",
            ),
            ("assert_called", "assertCalled", ("POST", "http://api.test/p"), {"json": {"a": 2}}, "json {"),
            ("assert_called", "assertCalled", ("POST", "http://api.test/p"), {"data": b"raw"}, "data b"),
            (
                "assert_not_called",
                "assertNotCalled",
                ("GET", "http://api.test/x"),
                {"check_params": False},
                "but 2 were made",
            ),
            (
                "assert_call_count",
                "assertCallCount",
                ("GET", "http://api.test/x", 1),
                {"check_params": False},
                "Expected 1 request(s) matching GET http://api.test/x (any query), got 2.",
            ),
        ]


        @pytest.mark.parametrize("name, unittest_name, args, kwargs, fragment", CASES)
        def test_same_message(mock, name, unittest_name, args, kwargs, fragment):
            with pytest.raises(AssertionError) as info:
                getattr(mock, name)(*args, **kwargs)
            assert type(info.value) is AssertionError
            assert fragment in str(info.value)
            assert str(info.value) == unittest_message(unittest_name, args, kwargs)


        def test_a_failing_assertion_fails_the_test(mock):
            mock.assert_call_count("GET", "http://api.test/x", 3, params={"page": 1})
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*def test_a_failing_assertion_fails_the_test(mock):",
            '>       mock.assert_call_count("GET", "http://api.test/x", 3, params={"page": 1})',
            "E       AssertionError: Expected 3 request(s) matching GET http://api.test/x?page=1, got 1.",
            "E       Actual requests:",
            "E         GET http://api.test/x?page=1  <- matches",
            "E         GET http://api.test/x?page=2  <- differs: query page=2",
            "E         POST http://api.test/p  <- differs: method POST; url http://api.test/p",
        ]
    )


def test_raises_expects_an_unmatched_request(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.mark.asyncio
        async def test_expected_refusal_is_forgiven(aiohttpretty_mock):
            expected = aiohttpretty.NoRouteMatched
            with aiohttpretty_mock.raises(expected, match="GET http://api.test/nope") as info:
                await get("http://api.test/nope")
            assert info.value.call.url.path == "/nope"
            assert list(aiohttpretty_mock.unmatched) == []


        @pytest.mark.asyncio
        async def test_raises_defaults_to_no_route_matched(aiohttpretty_mock):
            with aiohttpretty_mock.raises():
                await get("http://api.test/nope")


        @pytest.mark.asyncio
        async def test_raises_fails_when_nothing_is_raised(aiohttpretty_mock):
            aiohttpretty_mock.register_uri("GET", "http://api.test/yes")
            with aiohttpretty_mock.raises():
                await get("http://api.test/yes")


        @pytest.mark.asyncio
        async def test_plain_pytest_raises_forgives_too(aiohttpretty_mock):
            # As suites written for the original do: the refusal was expected.
            with pytest.raises(aiohttpretty.NoRouteMatched, match="GET http://api.test/nope"):
                await get("http://api.test/nope")
            assert list(aiohttpretty_mock.unmatched) == []


        @pytest.mark.aiohttpretty
        def test_plain_pytest_raises_function_form_forgives():
            import asyncio

            pytest.raises(aiohttpretty.NoRouteMatched, asyncio.run, get("http://api.test/fn"))
            assert list(aiohttpretty.current().unmatched) == []


        @pytest.mark.asyncio
        async def test_swallowed_next_to_an_expected_refusal_still_fails(aiohttpretty_mock):
            with pytest.raises(aiohttpretty.NoRouteMatched):
                await get("http://api.test/expected")
            assert await get_or_none("http://api.test/swallowed") is None
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=5, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallowed_next_to_an_expected_refusal_still_fails*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/swallowed",
            "*test_raises_fails_when_nothing_is_raised*",
            "*DID NOT RAISE*NoRouteMatched*",
        ]
    )
    assert "api.test/expected" not in result.stdout.str()
    # pytest.raises is pytest's own again after the tests.
    assert pytest.raises.__module__.startswith("_pytest")


def test_fixture_registrations_answer_like_a_server(pytester: pytest.Pytester) -> None:
    # The fixture is a new entry point: Content-Length and the standard reason
    # phrase, as the aiohttp.web server below sends; the marker's module-level
    # functions keep the original's defaults.
    pytester.makepyfile(
        """
        import asyncio

        import aiohttp
        import pytest
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        import aiohttpretty


        async def seen(url):
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    return response.status, response.reason, response.content_length, await response.read()


        async def from_the_server():
            async def answer(request):
                return web.Response(status=404, body=b"gone", headers={"Content-Type": "text/plain"})

            app = web.Application()
            app.router.add_get("/x", answer)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            try:
                return await seen(str(server.make_url("/x")))
            finally:
                await server.close()


        SERVER = asyncio.run(from_the_server())


        def test_fixture(aiohttpretty_mock):
            aiohttpretty_mock.register_uri(
                "GET", "http://api.test/x", status=404, body=b"gone", headers={"Content-Type": "text/plain"}
            )
            assert SERVER == (404, "Not Found", 4, b"gone")
            assert asyncio.run(seen("http://api.test/x")) == SERVER


        @pytest.mark.aiohttpretty
        def test_marker_keeps_the_original_defaults():
            aiohttpretty.register_uri("GET", "http://api.test/x", status=404, body=b"gone")
            assert asyncio.run(seen("http://api.test/x")) == (404, "", None, b"gone")
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_only_an_expectation_naming_the_refusal_forgives_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        import aiohttpretty
        from webclient import get


        class ProviderError(Exception):
            pass


        async def provider_get(url):
            try:
                return await get(url)
            except Exception as exc:
                raise ProviderError("failed") from exc


        @pytest.mark.asyncio
        async def test_fixture_too_wide(aiohttpretty_mock):
            with pytest.raises(Exception):
                await get("http://api.test/typo")


        @pytest.mark.asyncio
        async def test_fixture_own_error(aiohttpretty_mock):
            with pytest.raises(ProviderError):
                await provider_get("http://api.test/typo")


        @pytest.mark.asyncio
        async def test_fixture_naming_it(aiohttpretty_mock):
            with pytest.raises(aiohttpretty.NoRouteMatched):
                await get("http://api.test/typo")


        @pytest.mark.aiohttpretty
        @pytest.mark.asyncio
        async def test_marked_for_the_original_keeps_its_rule():
            with pytest.raises(ProviderError):
                await provider_get("http://api.test/typo")
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_fixture_too_wide*",
            "*ERROR at teardown of test_fixture_own_error*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_fixture_naming_it*")
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_marked_for_the_original*")

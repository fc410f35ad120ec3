"""Strict at teardown, as AioHTTPrettyTestCase is: swallowed refusals and,
with ``assert_all_called``, unused routes fail the test; aiohttp is restored
whatever happened."""

import aiohttp
import pytest

import aiohttpretty

#: The functions the interception replaces while a mock is active.
SEAMS = [
    (aiohttp.ClientSession, "_request"),
    (aiohttp.BaseConnector, "_create_connection"),
    (aiohttp.TCPConnector, "_create_connection"),
    (aiohttp.UnixConnector, "_create_connection"),
]
ORIGINALS = [cls.__dict__[name] for cls, name in SEAMS]


def assert_aiohttp_restored() -> None:
    assert [cls.__dict__[name] for cls, name in SEAMS] == ORIGINALS
    assert not any(getattr(cls.__dict__[name], "_aiohttpretty_patch", False) for cls, name in SEAMS)
    assert not aiohttpretty.current().is_active


#: Written beside each suite: its last test checks that aiohttp is itself again.
RESTORED_CHECK = """
import aiohttp as _aiohttp

import aiohttpretty as _aiohttpretty

_SEAMS = [
    (_aiohttp.ClientSession, "_request"),
    (_aiohttp.BaseConnector, "_create_connection"),
    (_aiohttp.TCPConnector, "_create_connection"),
]
_ORIGINALS = [cls.__dict__[name] for cls, name in _SEAMS]  # at import: nothing is patched yet


def test_zz_aiohttp_is_restored():
    assert [cls.__dict__[name] for cls, name in _SEAMS] == _ORIGINALS
    assert not _aiohttpretty.current().is_active
"""


@pytest.fixture(autouse=True)
def _restored_check(pytester: pytest.Pytester) -> None:
    # Collected after the suite's own file (alphabetically), so it runs last.
    pytester.makepyfile(test_zz_restored=RESTORED_CHECK)


def test_a_swallowed_refusal_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.mark.aiohttpretty
        def test_swallows():
            aiohttpretty.register_uri("GET", "http://api.test/known", body=b"ok")
            assert asyncio.run(get("http://api.test/known")) == b"ok"
            assert asyncio.run(get_or_none("http://api.test/unknown?page=2")) is None
            assert asyncio.run(get_or_none("http://api.test/other")) is None


        @pytest.mark.aiohttpretty
        def test_all_registered():
            aiohttpretty.register_uri("GET", "http://api.test/known", body=b"ok")
            assert asyncio.run(get_or_none("http://api.test/known")) == b"ok"


        def test_swallows_with_the_fixture(aiohttpretty_mock):
            assert asyncio.run(get_or_none("http://api.test/fixture")) is None
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallows *",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/unknown?page=2",
            "  GET http://api.test/other",
            "*ERROR at teardown of test_swallows_with_the_fixture*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/fixture",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_all_registered*")
    assert_aiohttp_restored()


def test_assert_all_called_fails_on_unused_routes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_one_route_unused():
            aiohttpretty.register_uri("GET", "http://api.test/used")
            aiohttpretty.register_uri("POST", "http://api.test/unused")
            asyncio.run(get("http://api.test/used"))


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_unused_and_unmatched_are_both_reported(aiohttpretty_mock):
            aiohttpretty_mock.register_uri("GET", "http://api.test/unused")
            asyncio.run(get_or_none("http://api.test/unknown"))


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_every_route_used():
            aiohttpretty.register_uri("GET", "http://api.test/used")
            asyncio.run(get("http://api.test/used"))


        @pytest.mark.aiohttpretty
        def test_off_by_default():
            aiohttpretty.register_uri("GET", "http://api.test/unused")


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_a_failed_test_is_not_blamed_for_unused_routes():
            aiohttpretty.register_uri("GET", "http://api.test/unused")
            assert 1 == 2
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=5, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_one_route_unused*",
            "Registered routes were never requested (assert_all_called is on):",
            "  POST http://api.test/unused*",
            "*ERROR at teardown of test_unused_and_unmatched_are_both_reported*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/unknown",
            "Registered routes were never requested (assert_all_called is on):",
            "  GET http://api.test/unused*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_a_failed_test_is_not_blamed_for_unused_routes*")
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_every_route_used*")
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_off_by_default*")
    assert_aiohttp_restored()


def test_skipped_and_expected_failures_get_no_teardown_checks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get_or_none


        @pytest.mark.aiohttpretty(assert_all_called=True)
        def test_skipped_midway():
            aiohttpretty.register_uri("GET", "http://api.test/unused")
            asyncio.run(get_or_none("http://api.test/unknown"))
            pytest.skip("not today")


        @pytest.mark.xfail(reason="known bug")
        @pytest.mark.aiohttpretty
        def test_expected_failure():
            asyncio.run(get_or_none("http://api.test/unknown"))
            assert False


        @pytest.mark.skip(reason="never runs")
        @pytest.mark.aiohttpretty
        def test_skipped_by_marker():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)


def test_requests_of_fixture_teardown_are_checked_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.fixture
        def logged_out():
            yield
            # Teardown of a fixture still runs mocked: this request is checked.
            assert asyncio.run(get_or_none("http://api.test/logout")) is None


        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("fixture teardown broke")


        @pytest.mark.aiohttpretty
        def test_fixture_teardown_request(logged_out):
            aiohttpretty.register_uri("GET", "http://api.test/x")
            asyncio.run(get("http://api.test/x"))


        @pytest.mark.aiohttpretty
        def test_fixture_teardown_error_is_the_one_reported(broken_teardown):
            asyncio.run(get_or_none("http://api.test/swallowed"))
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_fixture_teardown_request*",
            "Requests that matched no registered route were made:",
            "  GET http://api.test/logout",
            "*ERROR at teardown of test_fixture_teardown_error_is_the_one_reported*",
            "*RuntimeError: fixture teardown broke",
        ]
    )
    assert_aiohttp_restored()


def test_aiohttp_is_restored_after_failures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        import aiohttpretty
        from webclient import get, get_or_none


        @pytest.fixture
        def broken_setup():
            raise RuntimeError("fixture setup broke")


        @pytest.mark.aiohttpretty
        def test_fails():
            aiohttpretty.register_uri("GET", "http://api.test/x")
            assert asyncio.run(get("http://api.test/x")) == b"something else"


        @pytest.mark.aiohttpretty
        def test_raises_system_exit():
            raise SystemExit(3)


        @pytest.mark.aiohttpretty
        def test_setup_fails(broken_setup):
            pass


        @pytest.mark.aiohttpretty(nonsense=True)
        def test_bad_marker():
            pass


        @pytest.mark.aiohttpretty
        def test_teardown_check_fails():
            asyncio.run(get_or_none("http://api.test/unknown"))
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=2, errors=3)
    assert_aiohttp_restored()


def test_a_refusal_that_fails_the_setup_is_reported_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import pytest

        from webclient import get


        @pytest.fixture
        def profile():
            return asyncio.run(get("http://api.test/profile"))


        @pytest.mark.aiohttpretty
        def test_uses_profile(profile):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_uses_profile*",
            "*NoRouteMatched: No route matches GET http://api.test/profile*",
        ]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown*")

"""The ``filterwarnings`` of this project's pytest configuration (setup.cfg) fail
a test that leaves a session open, though aiohttp only tells from the
session's finaliser."""

import configparser
from pathlib import Path

import pytest

SETUP_CFG = Path(__file__).parents[2] / "setup.cfg"

LEAKING = """
import asyncio

import aiohttp


def test_leaves_a_session_open():
    async def open_session():
        return aiohttp.ClientSession()

    asyncio.run(open_session())  # the session is dropped unclosed
"""


def project_filters() -> list[str]:
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    return config["tool:pytest"]["filterwarnings"].split()


def test_the_filters_are_the_strict_ones() -> None:
    assert project_filters() == ["error::ResourceWarning", "error::pytest.PytestUnraisableExceptionWarning"]


def test_a_session_left_open_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LEAKING)
    # In subprocesses: the warning filters of this run would apply in-process.
    strict = [arg for line in project_filters() for arg in ("-W", line)]
    result = pytester.runpytest_subprocess(*strict)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ResourceWarning: Unclosed client session*"])
    # Without them the test passes: Python ignores a ResourceWarning by default.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)

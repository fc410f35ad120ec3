"""The plugin is found through its entry point, and only it imports pytest."""

import subprocess
import sys
from importlib.metadata import entry_points

import pytest


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = [point for point in entry_points(group="pytest11") if point.name == "aiohttpretty"]
    assert [point.value for point in found] == ["aiohttpretty.pytest_plugin"]


def test_importing_aiohttpretty_does_not_import_pytest() -> None:
    code = (
        "import sys, aiohttpretty\n"
        "with aiohttpretty.mocked():\n"
        "    pass\n"
        "assert 'pytest' not in sys.modules and '_pytest' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_turning_the_plugin_off_unregisters_the_marker_and_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.aiohttpretty
        def test_marked():
            pass


        def test_fixture(aiohttpretty_mock):
            pass
        """
    )
    # In a subprocess: pytest.mark caches the marker names an earlier in-process run knew.
    result = pytester.runpytest_subprocess("-p", "no:aiohttpretty", "--strict-markers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'aiohttpretty' not found in `markers` configuration option*"])
    result = pytester.runpytest("-p", "no:aiohttpretty")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'aiohttpretty_mock' not found*"])

"""What ``tests/__init__.py`` promises a unittest run of this suite: asyncio's
slow-step lines are not printed, and an exception raised in a finaliser (a
session left open, with ``-W error::ResourceWarning``) fails the run.

Each test copies ``tests/__init__.py`` into a package of its own beside one
small test module and runs ``python -m unittest discover`` on it, as
``make unittest`` runs this suite.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

INIT = Path(__file__).with_name("__init__.py")

LEAKING = """
import unittest

import aiohttp


class Sessions(unittest.IsolatedAsyncioTestCase):
    async def test_session(self):
        session = aiohttp.ClientSession()
        {close}
"""

#: One step of the event loop longer than asyncio's 0.1 s for a slow step.
SLOW = """
import time
import unittest


class Slow(unittest.IsolatedAsyncioTestCase):
    async def test_slow_step(self):
        time.sleep(0.2)
"""


def run_unittest(module: str, init: str) -> subprocess.CompletedProcess[str]:
    """``python -W error::ResourceWarning -m unittest discover`` of a package made
    of ``init`` and one test module."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        package = root / "suite"
        package.mkdir()
        (package / "__init__.py").write_text(init)
        (package / "test_module.py").write_text(textwrap.dedent(module))
        return subprocess.run(
            [
                sys.executable,
                "-W",
                "error::ResourceWarning",
                "-m",
                "unittest",
                "discover",
                "-s",
                "suite",
                "-t",
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )


class CleanOutputTest(unittest.TestCase):
    def test_a_session_left_open_fails_the_run(self):
        result = run_unittest(LEAKING.format(close="pass"), INIT.read_text())
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("FAIL: test_no_exception_was_raised_in_a_finaliser", result.stderr)
        self.assertIn("ResourceWarning: Unclosed client session", result.stderr)
        self.assertIn("Ran 2 tests", result.stderr)

    def test_a_closed_session_passes(self):
        result = run_unittest(LEAKING.format(close="await session.close()"), INIT.read_text())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Ran 2 tests", result.stderr)
        self.assertNotIn("Unclosed", result.stderr)

    def test_a_slow_step_is_not_logged(self):
        result = run_unittest(SLOW, INIT.read_text())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Executing <Task", result.stderr)
        # Without tests/__init__.py, asyncio's debug mode logs that step.
        result = run_unittest(SLOW, "")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Executing <Task", result.stderr)

"""The test suite, run by unittest alone (``python -m unittest discover -s tests
-t .``, with ``-W error::ResourceWarning``) and by pytest.

Two things hold for every test below, under either runner:

* ``IsolatedAsyncioTestCase`` runs each test's loop in asyncio's debug mode,
  which logs ``Executing <Task ...> took 0.172 seconds`` whenever one step
  takes over 0.1 s. That line measures the machine, not the code: it is
  dropped. Debug mode's other checks (coroutines never awaited, calls from
  the wrong thread) stay.
* An exception raised in a finaliser, such as the ``ResourceWarning`` of a
  session left unclosed when warnings are errors, cannot fail a test: Python
  prints it and goes on. Under unittest discovery, :func:`load_tests` records
  those exceptions and a last test fails with them. Under pytest,
  ``filterwarnings`` in ``setup.cfg`` makes the test during which one was
  raised fail.
"""

from __future__ import annotations

import gc
import logging
import sys
import traceback
import unittest
from pathlib import Path

#: The message asyncio's debug mode logs for a slow step of the event loop.
SLOW_STEP = "Executing %s took %.3f seconds"


def _not_a_slow_step(record: logging.LogRecord) -> bool:
    return record.msg != SLOW_STEP


logging.getLogger("asyncio").addFilter(_not_a_slow_step)


class _Unraisable:
    """Records what ``sys.unraisablehook`` is given, instead of printing it."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self._previous = sys.unraisablehook

    def __call__(self, unraisable: sys.UnraisableHookArgs) -> None:
        where = unraisable.err_msg or "Exception ignored in"
        lines = traceback.format_exception(
            unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback
        )
        self.reports.append(f"{where}: {unraisable.object!r}\n{''.join(lines)}")

    def install(self) -> None:
        sys.unraisablehook = self

    def uninstall(self) -> None:
        sys.unraisablehook = self._previous


class _NoExceptionInFinalisers(unittest.TestCase):
    """The last test of a unittest run: no finaliser raised while the suite ran."""

    unraisable: _Unraisable

    def test_no_exception_was_raised_in_a_finaliser(self) -> None:
        gc.collect()
        self.unraisable.uninstall()
        self.assertEqual(self.unraisable.reports, [], "\n".join(self.unraisable.reports))


def load_tests(
    loader: unittest.TestLoader, tests: unittest.TestSuite, pattern: str | None
) -> unittest.TestSuite:
    """unittest's discovery of this package: every test module below, then
    :class:`_NoExceptionInFinalisers` (``tests``, this module's own test case
    without its record, is not run)."""
    here = Path(__file__).parent
    discovered = loader.discover(str(here), pattern or "test*.py", top_level_dir=str(here.parent))
    unraisable = _Unraisable()
    unraisable.install()
    check = _NoExceptionInFinalisers("test_no_exception_was_raised_in_a_finaliser")
    check.unraisable = unraisable
    return unittest.TestSuite([discovered, check])

"""A stand-in for the aioresponses package: ``aiohttpretty.aioresponses`` under
aioresponses' name, so that aioresponses' own test suite runs unchanged against
it (tests/aioresponses_suite/run.sh puts this folder on PYTHONPATH)."""

from aiohttpretty.aioresponses import CallbackResult, aioresponses

__version__ = "0.7.9"

__all__ = ["CallbackResult", "aioresponses"]

"""``aioresponses.compat`` for the suite: the names its tests import."""

from re import Pattern

import aiohttp
from packaging.version import Version
from yarl import URL

from aiohttpretty.aioresponses import merge_params, normalize_url

AIOHTTP_VERSION = Version(aiohttp.__version__)

__all__ = ["AIOHTTP_VERSION", "URL", "Pattern", "merge_params", "normalize_url"]

"""aioresponses' API on aiohttpretty's interception.

``from aiohttpretty.aioresponses import aioresponses`` replaces
``from aioresponses import aioresponses``: the same registration methods,
options, recorded ``requests`` and assertions, with every mocked request going
through aiohttp's own client code (only the socket is fake), so it works on
every aiohttp from 3.9 to 3.14.

How it is built, one module a concern (imports point down the list):

* :mod:`._mocker`: the :class:`aioresponses` class, its lifecycle, routes
  and assertions.  Each started one owns an :class:`aiohttpretty.AioHTTPretty`
  mock (``m.aiohttpretty``) with one catch-all route per method.
* :mod:`._recording`: like aioresponses, it sees each call of
  ``ClientSession._request`` (a session observer of the seam): it records it in
  ``m.requests`` as aioresponses does (the URL as the code gave it, the
  arguments as passed), and it hands back the exceptions routes ask for exactly
  as given (aiohttp would turn some into others on their way up).
* :mod:`._answering`: the catch-all routes' callback, which matches the request
  against the routes added with ``m.get(...)``, ``m.add(...)``, ... as
  aioresponses does (the first that matches answers).
* :mod:`._passthrough`: the requests that go to the network.
* :mod:`._exchange`: one session call and the requests on the wire it made.
* :mod:`._matching`: aioresponses' URLs, routes, results and error.  An
  unmatched request raises :class:`UnmatchedRequest`, a
  :class:`aiohttp.ClientConnectionError` with aioresponses' message that is
  also an :class:`aiohttpretty.NoRouteMatched`; the request is recorded as a
  refusal, so a strict aiohttpretty test fails at teardown even when the code
  under test swallowed the error.
"""

from __future__ import annotations

from ._matching import (
    CallbackResult,
    RequestCall,
    RequestMatch,
    UnmatchedRequest,
    merge_params,
    normalize_url,
)
from ._mocker import aioresponses

__all__ = [
    "CallbackResult",
    "RequestCall",
    "RequestMatch",
    "UnmatchedRequest",
    "aioresponses",
    "merge_params",
    "normalize_url",
]

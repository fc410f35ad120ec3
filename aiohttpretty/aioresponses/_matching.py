"""What aioresponses users write and read: its URLs (:func:`merge_params`,
:func:`normalize_url`), routes (:class:`RequestMatch`), callback results,
recorded calls and the error for a request no route matches.

aioresponses compares URLs its own way (the query sorted, the fragment kept,
no other normalising), not as :mod:`aiohttpretty._urls` does for the original
API: these functions keep its rule.
"""

from __future__ import annotations

import copy
import re
from http import HTTPStatus
from typing import Any, Callable, NamedTuple, Union

import aiohttp
from aiohttp import ClientResponse, hdrs
from multidict import CIMultiDict, MultiDict
from yarl import URL

from ..errors import NoRouteMatched
from ..records import Call

__all__ = [
    "CallbackResult",
    "RequestCall",
    "RequestMatch",
    "URLOrPattern",
    "UnmatchedRequest",
    "build_request_call",
    "merge_params",
    "normalize_url",
    "standard_reason",
]

URLOrPattern = Union[str, URL, re.Pattern[str]]


def merge_params(url: str | URL, params: Any = None) -> URL:
    """``url`` with ``params`` appended to its query (aioresponses' rule: the
    URL's own pairs first, then those of ``params``)."""
    merged = URL(url)
    if not params:
        return merged
    pairs: MultiDict[str] = MultiDict(merged.query)
    pairs.extend(merged.with_query(params).query)
    return merged.with_query(pairs)


def normalize_url(url: str | URL) -> URL:
    """``url`` with its query pairs sorted: the key of ``m.requests`` and what
    a route's URL is compared to.  The fragment is kept."""
    parsed = URL(url)
    return parsed.with_query(sorted(parsed.query.items()))


def standard_reason(status: int) -> str:
    """The reason phrase of ``status`` (empty for a status HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class CallbackResult:
    """What a ``callback`` returns: the response to send (its defaults are
    those of a route)."""

    def __init__(
        self,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: str | bytes = "",
        content_type: str = "application/json",
        payload: Any = None,
        headers: Any = None,
        response_class: type[ClientResponse] | None = None,
        reason: str | None = None,
    ) -> None:
        self.method = method
        self.status = status
        self.body = body
        self.content_type = content_type
        self.payload = payload
        self.headers = headers
        self.response_class = response_class
        self.reason = reason


class RequestCall(NamedTuple):
    """One recorded call in ``m.requests``: the positional and keyword
    arguments passed to the session (keyword arguments deep-copied when they
    can be)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def build_request_call(
    method: str = hdrs.METH_GET, *args: Any, allow_redirects: bool = True, **kwargs: Any
) -> RequestCall:
    """The :class:`RequestCall` aioresponses records for a call with these
    arguments (and expects in ``assert_called_with``)."""
    kwargs.setdefault("allow_redirects", allow_redirects)
    if method == hdrs.METH_POST:
        kwargs.setdefault("data", None)
    try:
        kwargs = copy.deepcopy(kwargs)
    except Exception:  # a generator, a lock, an SSL context ...: kept as passed
        pass
    return RequestCall(args, kwargs)


class RequestMatch:
    """A route added with ``m.add(...)`` (or ``m.get(...)``, ...): the values
    in ``m._matches``, with aioresponses' attribute names."""

    def __init__(
        self,
        url: URLOrPattern,
        method: str = hdrs.METH_GET,
        status: int = 200,
        body: Any = "",
        payload: Any = None,
        exception: Any = None,
        headers: Any = None,
        content_type: str = "application/json",
        response_class: type[ClientResponse] | None = None,
        timeout: bool = False,
        repeat: bool | int = False,
        reason: str | None = None,
        callback: Callable[..., Any] | None = None,
    ) -> None:
        self.url_or_pattern: URL | re.Pattern[str] = (
            url if isinstance(url, re.Pattern) else normalize_url(url)
        )
        self.method = method.lower()
        self.status = status
        self.body = body
        self.payload = payload
        self.exception = TimeoutError("Connection timeout test") if timeout else exception
        if headers is None:
            headers = CIMultiDict()
        elif isinstance(headers, dict):
            headers = CIMultiDict(headers)
        self.headers = headers
        self.content_type = content_type
        self.response_class = response_class
        self.repeat = repeat
        self.reason = standard_reason(status) if reason is None else reason
        self.callback = callback

    def match(self, method: str, url: URL) -> bool:
        """Whether this route answers ``method url`` (``url`` as
        :func:`normalize_url` gives it)."""
        if self.method != method.lower():
            return False
        if isinstance(self.url_or_pattern, re.Pattern):
            return self.url_or_pattern.match(str(url)) is not None
        return self.url_or_pattern == url

    def __repr__(self) -> str:
        return f"RequestMatch('{self.url_or_pattern}')"


class UnmatchedRequest(aiohttp.ClientConnectionError, NoRouteMatched):
    """Raised for a request no route matches: the
    :class:`aiohttp.ClientConnectionError` aioresponses raises, with its
    message (``Connection refused: GET http://...``).

    It is also an :class:`aiohttpretty.NoRouteMatched`: the refused request
    (``.call``) is recorded in ``m.aiohttpretty.unmatched`` and, inside an
    :class:`~aiohttpretty.AioHTTPrettyTestCase` test or a test marked
    ``@pytest.mark.aiohttpretty``, in that test's refusals, so the test fails
    at teardown if the code under test swallowed the error.  Expecting it with
    ``self.assertRaises(ClientConnectionError)`` (or ``pytest.raises``) there
    is enough to accept it.
    """

    # Named in tracebacks where it is imported from.
    __module__ = "aiohttpretty.aioresponses"
    expected_as = (aiohttp.ClientConnectionError,)

    def __init__(self, message: str, call: Call | None = None) -> None:
        super().__init__(message)
        self.call = call

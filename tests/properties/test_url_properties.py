"""Property tests (hypothesis) of URL and query matching, and of sequences of
requests on one kept-alive connection, through real aiohttp requests.

This directory has no ``__init__.py`` on purpose: ``python -m unittest discover
-s tests`` does not descend into it, so the unittest run in the environment
without test dependencies never imports hypothesis; pytest collects it.

The oracle is the generated data itself, not yarl: a query is a list of
``(key, value)`` pairs, and two queries are the same when their sets of pairs with
a non-empty value are (the matching rule).  ``AIOHTTPRETTY_EXAMPLES`` raises the
number of examples for a longer exploration.
"""

from __future__ import annotations

import asyncio
import os
import unittest
from typing import Any
from urllib.parse import quote

import aiohttp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from yarl import URL

import aiohttpretty

EXAMPLES = int(os.environ.get("AIOHTTPRETTY_EXAMPLES", "250"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=EXAMPLES <= 250,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

Pairs = list[tuple[str, str]]

# Hosts: ASCII names (any case), unicode (IDNA) names, IPv4 and IPv6 literals.
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_ASCII_HOST = st.tuples(st.lists(_LABEL, min_size=1, max_size=3), st.booleans()).map(
    lambda parts: (".".join(parts[0]) + ".test").upper() if parts[1] else ".".join(parts[0]) + ".test"
)
_UNICODE_LABEL = st.text(alphabet="aäöüéèçñøåπλждяñ日本語中文한국", min_size=1, max_size=8)


def _idna_ok(host: str) -> bool:
    try:
        URL.build(scheme="http", host=host)
    except ValueError:
        return False
    return True


_UNICODE_HOST = _UNICODE_LABEL.map(lambda label: label + ".test").filter(_idna_ok)
_IPV4 = st.ip_addresses(v=4).map(str)
_IPV6 = st.ip_addresses(v=6).map(lambda address: f"[{address}]")
HOSTS = st.one_of(_ASCII_HOST, _UNICODE_HOST, _IPV4, _IPV6)
PORTS = st.one_of(st.none(), st.sampled_from([80, 443, 8080]), st.integers(1, 65535))

# Path segments: any text, sent percent-encoded, or raw where that is unambiguous.
_SEGMENT = st.text(max_size=8)


@st.composite
def paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(_SEGMENT, max_size=4))
    encoded = []
    for segment in segments:
        if draw(st.booleans()):
            encoded.append(quote(segment, safe=""))
        else:
            encoded.append(
                quote(segment, safe="!$&'()*+,;=:@~" + "".join(c for c in segment if ord(c) > 127))
            )
    return "/" + "/".join(encoded)


# Query pairs: repeated keys, empty values, unicode and reserved characters.
_KEY = st.one_of(st.sampled_from(["a", "b", "key", "ключ"]), st.text(max_size=6))
_VALUE = st.one_of(st.just(""), st.sampled_from(["1", "x y", "a+b", "&", "=", "%", "é"]), st.text(max_size=8))
PAIRS = st.lists(st.tuples(_KEY, _VALUE), max_size=6)


def query_string(pairs: Pairs, bare_empty: bool = False) -> str:
    """``pairs`` percent-encoded; an empty value as ``key`` alone when ``bare_empty``."""
    parts = []
    for key, value in pairs:
        if bare_empty and value == "" and key != "":
            parts.append(quote(key, safe=""))
        else:
            parts.append(f"{quote(key, safe='')}={quote(value, safe='')}")
    return "&".join(parts)


def rule(pairs: Pairs) -> frozenset[tuple[str, str]]:
    """The matching rule, written independently of the package."""
    return frozenset((key, value) for key, value in pairs if value != "")


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, Pairs]:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(HOSTS)
    port = draw(PORTS)
    authority = host if port is None else f"{host}:{port}"
    return f"{scheme}://{authority}{draw(paths())}", draw(PAIRS)


@st.composite
def one_pair_changed(draw: st.DrawFn, pairs: Pairs) -> Pairs:
    """``pairs`` with one pair changed, added or removed, so the rule tells them apart."""
    changed = list(pairs)
    with_value = [index for index, (_, value) in enumerate(pairs) if value]
    how = draw(st.sampled_from(["change", "add", "remove"] if with_value else ["add"]))
    if how == "add":
        changed.insert(draw(st.integers(0, len(changed))), (draw(_KEY), draw(_VALUE.filter(bool))))
    else:
        index = draw(st.sampled_from(with_value))
        if how == "remove":
            del changed[index]
        else:
            key, value = changed[index]
            changed[index] = (key, draw(_VALUE.filter(lambda new: bool(new) and new != value)))
    assume(rule(changed) != rule(pairs))
    return changed


class _PropertyCase(unittest.TestCase):
    def setUp(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.addCleanup(self.loop.close)

    def run_async(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def request(self, url: str, **kwargs: Any) -> tuple[int, bytes]:
        async with aiohttp.ClientSession() as session:
            async with session.get(url, **kwargs) as response:
                return response.status, await response.read()


class MatchingProperties(_PropertyCase):
    @PROPERTY
    @given(urls(), st.booleans())
    def test_a_registered_url_is_matched_by_the_same_request(self, url_and_pairs, bare_empty):
        base, pairs = url_and_pairs
        query = query_string(pairs, bare_empty)
        url = f"{base}?{query}" if query else base

        async def check() -> None:
            with aiohttpretty.mocked() as mock:
                route = mock.register_uri("GET", url, body=b"matched")
                self.assertEqual(await self.request(url), (200, b"matched"))
                self.assertEqual(route.call_count, 1)
                recorded = route.calls[0].url.query
                self.assertEqual(sorted(recorded.items()), sorted(pairs))
                self.assertTrue(mock.has_call(url))

        self.run_async(check())

    @PROPERTY
    @given(urls(), st.booleans(), st.booleans())
    def test_params_and_query_string_are_interchangeable(
        self, url_and_pairs, register_params, request_params
    ):
        base, pairs = url_and_pairs

        def split(use_params: bool) -> tuple[str, dict[str, Any]]:
            if use_params:
                return base, {"params": pairs}
            query = query_string(pairs)
            return (f"{base}?{query}" if query else base), {}

        async def check() -> None:
            with aiohttpretty.mocked() as mock:
                registered_url, registered = split(register_params)
                route = mock.register_uri("GET", registered_url, body=b"matched", **registered)
                requested_url, requested = split(request_params)
                self.assertEqual(await self.request(requested_url, **requested), (200, b"matched"))
                self.assertEqual(route.call_count, 1)

        self.run_async(check())

    @PROPERTY
    @given(st.data())
    def test_a_request_differing_in_one_query_pair_is_not_matched(self, data):
        base, pairs = data.draw(urls())
        other = data.draw(one_pair_changed(pairs))
        use_params = data.draw(st.booleans())

        async def check() -> None:
            with aiohttpretty.mocked() as mock:
                route = mock.register_uri("GET", base, params=pairs, body=b"matched")
                kwargs: dict[str, Any] = {"params": other} if use_params else {}
                query = query_string(other)
                url = base if use_params or not query else f"{base}?{query}"
                with self.assertRaises(aiohttpretty.NoRouteMatched) as refused:
                    await self.request(url, **kwargs)
                self.assertIn("No route matches GET", str(refused.exception))
                self.assertEqual(route.call_count, 0)
                self.assertIsNotNone(refused.exception.call)
                self.assertEqual(mock.unmatched, [])  # expected by assertRaises: not a failure

        self.run_async(check())

    @PROPERTY
    @given(urls())
    def test_query_order_duplicates_and_empty_values_do_not_matter(self, url_and_pairs):
        base, pairs = url_and_pairs
        reordered = [*reversed(pairs), *pairs[:1], ("extra-empty", "")]

        async def check() -> None:
            with aiohttpretty.mocked() as mock:
                route = mock.register_uri("GET", base, params=pairs, body=b"matched")
                self.assertEqual(await self.request(base, params=reordered), (200, b"matched"))
                self.assertEqual(route.call_count, 1)

        self.run_async(check())


class KeptAliveConnectionProperties(_PropertyCase):
    @PROPERTY
    @given(
        st.sampled_from(["http", "https"]),
        HOSTS,
        PORTS,
        st.lists(
            st.tuples(
                st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE"]),
                paths(),
                PAIRS,
                st.binary(max_size=64),
                st.booleans(),  # the response has Content-Length
            ),
            min_size=1,
            max_size=6,
        ),
    )
    def test_requests_on_one_connection_are_each_answered_and_recorded(self, scheme, host, port, requests):
        # Oracle: a response with Content-Length leaves the connection to the
        # next request; one without ends it (aiohttp closes it after a HEAD too).
        origin = f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"
        created: list[int] = []
        trace = aiohttp.TraceConfig()

        async def on_create(*_: Any) -> None:
            created.append(1)

        trace.on_connection_create_end.append(on_create)

        async def check() -> None:
            with aiohttpretty.mocked() as mock:
                routes = [
                    mock.register_uri(
                        method,
                        f"{origin}/r{number}{path}",
                        params=pairs,
                        body=f"{number}",
                        auto_length=framed,
                    )
                    for number, (method, path, pairs, _, framed) in enumerate(requests)
                ]
                async with aiohttp.ClientSession(trace_configs=[trace]) as session:
                    for number, (method, path, pairs, body, _) in enumerate(requests):
                        data = body if method in ("POST", "PUT") else None
                        async with session.request(
                            method, f"{origin}/r{number}{path}", params=pairs, data=data
                        ) as response:
                            expected = b"" if method == "HEAD" else f"{number}".encode()
                            self.assertEqual(await response.read(), expected)
                self.assertEqual([route.call_count for route in routes], [1] * len(requests))
                for call, (method, _, pairs, body, _) in zip(mock.calls, requests, strict=True):
                    self.assertEqual(call.method, method)
                    self.assertEqual(sorted(call.url.query.items()), sorted(pairs))
                    self.assertEqual(call.body, body if method in ("POST", "PUT") else b"")
            ended = [not framed for _, _, _, _, framed in requests[:-1]]
            self.assertEqual(len(created), 1 + sum(ended))

        self.run_async(check())


if __name__ == "__main__":
    unittest.main()

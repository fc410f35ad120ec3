"""What a request must look like: the one comparison of a request with an
expectation, used by routes, by the assertions and by ``has_call``.

A :class:`RequestPattern` holds a method, a URL (or a compiled pattern), how
the query is compared, and conditions.  Each part returns ``None`` when the
request fits, or a :class:`Difference`: the ``reason`` (what was expected and
what came) goes into the no-match error of a route, the ``actual`` (what came,
in brief) into a failed assertion's list of requests.

A condition is public: any callable taking the recorded
:class:`~aiohttpretty.Call` and returning ``None`` when it holds or a reason
string when it does not can be given as ``match=`` or ``conditions=[...]``;
its reason is shown in the no-match message like those of the built-in ones.
"""

from __future__ import annotations

import json as _json
from collections.abc import Iterable, Mapping, Sequence
from re import Pattern
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl

from yarl import URL

from ._conditions import Check as _Check
from ._conditions import Condition, Difference, Multipart, Proxy, reasons, split_any_params
from ._json_match import ANY, JsonLike, json_difference
from ._urls import format_pairs, location, query_key, query_pairs

if TYPE_CHECKING:
    from .records import Call

__all__ = [
    "ANY_QUERY",
    "CONDITION_OPTIONS",
    "EXACT",
    "NOT_GIVEN",
    "PARTIAL",
    "PREFIX",
    "QUERY_DIFFERENCE",
    "Condition",
    "Difference",
    "RequestPattern",
    "assertion_checks",
    "build_conditions",
    "header_checks",
    "passed_checks",
    "same_data",
    "split_any_params",
    "under",
]

#: The options of ``register_uri`` that add a condition on the request.
CONDITION_OPTIONS = (
    "match_headers",
    "match_json",
    "match_data",
    "match_multipart",
    "match_proxy",
    "match",
    "conditions",
)


class _NotGiven:
    """The default of an expectation that may be any value, ``None`` included."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: The default of ``json=`` and ``match_json=``: no expectation at all (``None``
#: would expect a JSON ``null``).
NOT_GIVEN: Any = _NotGiven()


class _Predicate(_Check):
    """``match=``: a function of the request returning a true value when it fits."""

    def __init__(self, predicate: Callable[[Call], Any]) -> None:
        if not callable(predicate):
            raise TypeError(
                f"match must be a callable taking the request and returning a bool, got {predicate!r}"
            )
        self.predicate = predicate

    def difference(self, call: Call) -> Difference | None:
        if self.predicate(call):
            return None
        name = getattr(self.predicate, "__qualname__", repr(self.predicate))
        reason = f"match: {name}(request) returned a false value"
        return Difference(reason, reason)


class _Header(_Check):
    def __init__(self, expected: Any) -> None:
        if not isinstance(expected, Mapping):
            raise TypeError(f"match_headers must be a mapping of header names to values, got {expected!r}")
        self.expected = {str(name): value if value is ANY else str(value) for name, value in expected.items()}

    def difference(self, call: Call) -> Difference | None:
        for name, value in self.expected.items():
            sent = call.headers.getall(name, [])
            if value not in sent:
                got = ", ".join(repr(v) for v in sent) if sent else "no such header"
                want = "present (ANY value)" if value is ANY else repr(value)
                return Difference(
                    f"match_headers: expected {name}: {want}, got {got}",
                    f"header {name}: {', '.join(sent) if sent else '(absent)'}",
                )
        return None


def header_checks(headers: Mapping[str, Any]) -> list[_Check]:
    """One check per header, so that every header that differs is named."""
    return [_Header({name: value}) for name, value in headers.items()]


class _Json(_Check):
    def __init__(self, expected: Any) -> None:
        if not isinstance(expected, JsonLike):
            try:
                _json.dumps(expected, default=lambda value: _placeholder(value))
            except (TypeError, ValueError) as exc:
                raise TypeError(f"match_json must be JSON-serialisable data ({exc})") from None
        self.expected = expected

    def difference(self, call: Call) -> Difference | None:
        try:
            decoded = call.json()
        except ValueError:
            content = call.content
            return Difference(
                f"match_json: expected {self.expected!r}, got a body that is not JSON: {content[:80]!r}",
                f"json (body is not JSON: {content!r:.100})",
            )
        if isinstance(self.expected, JsonLike):
            where = json_difference(self.expected, decoded)
        else:
            where = None if decoded == self.expected else json_difference(self.expected, decoded) or "differs"
        if where is not None:
            return Difference(
                f"match_json: expected {self.expected!r:.200}, got {decoded!r:.200} ({where})",
                f"json {decoded!r:.200}",
            )
        return None


def _placeholder(value: Any) -> Any:
    if value is ANY:
        return None
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def same_data(expected: Any, body: bytes) -> bool:
    """Whether ``body`` is ``expected``: bytes, a str (UTF-8), or a mapping or
    sequence of pairs compared as a form-encoded body (in any order)."""
    if isinstance(expected, str):
        return expected.encode("utf-8") == body
    if isinstance(expected, (bytes, bytearray, memoryview)):
        return bytes(expected) == body
    if isinstance(expected, (Mapping, list, tuple)):
        sent = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return sorted(sent) == sorted(query_pairs(expected))
    return False


class _Data(_Check):
    def __init__(self, expected: Any, what: str = "match_data") -> None:
        if not isinstance(expected, (bytes, bytearray, memoryview, str, Mapping, list, tuple)):
            raise TypeError(
                f"{what} must be bytes, str, or a mapping or sequence of pairs compared as a "
                f"form-encoded body, got {type(expected).__name__}"
            )
        if isinstance(expected, (Mapping, list, tuple)):
            query_pairs(expected)  # check now, not at request time
        self.expected = expected

    def difference(self, call: Call) -> Difference | None:
        content = call.content
        if same_data(self.expected, content):
            return None
        return Difference(
            f"match_data: expected {self.expected!r:.200}, got {content!r:.200}", f"data {content!r:.200}"
        )


class _Passed(_Check):
    """``has_call``'s keywords: an argument the code passed to the session."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value

    def difference(self, call: Call) -> Difference | None:
        got = call.get(self.name)
        if got == self.value:
            return None
        return Difference(f"{self.name}: expected {self.value!r}, got {got!r}", f"{self.name} {got!r}")


_BUILDERS: dict[str, Callable[[Any], _Check]] = {
    "match_headers": _Header,
    "match_json": _Json,
    "match_data": _Data,
    "match_proxy": Proxy,
    "match": _Predicate,
}


def build_conditions(options: dict[str, Any]) -> list[Condition]:
    """Take the condition options out of ``options`` and check them."""
    checks: list[Condition] = []
    for name in CONDITION_OPTIONS:
        if name not in options:
            continue
        value = options.pop(name)
        if name == "conditions":
            checks.extend(reasons(value))
        elif name == "match_multipart":
            checks.append(Multipart(value))
        else:
            checks.append(_BUILDERS[name](value))
    return checks


def assertion_checks(
    headers: Mapping[str, Any] | None, data: Any, json: Any, multipart: Any = None, proxy: Any = None
) -> list[Condition]:
    """The checks of an assertion's ``headers=``, ``data=``, ``json=``, ``multipart=`` and ``proxy=``."""
    checks: list[Condition] = []
    if headers is not None:
        if not isinstance(headers, Mapping):
            raise TypeError(f"headers must be a mapping, got {type(headers).__name__}")
        checks.extend(header_checks(headers))
    if data is not None:
        checks.append(_Data(data, "data"))
    if json is not NOT_GIVEN:
        checks.append(_Json(json))
    if multipart is not None:
        checks.append(Multipart(multipart, "multipart"))
    if proxy is not None:
        checks.append(Proxy(proxy, "proxy"))
    return checks


def passed_checks(arguments: Mapping[str, Any]) -> list[Condition]:
    """``has_call``'s checks of the arguments passed to the session."""
    return [_Passed(name, value) for name, value in arguments.items()]


#: How the reason of a difference in the query starts.
QUERY_DIFFERENCE = "query "

#: How the query of a :class:`RequestPattern` is compared; ``PREFIX``: the
#: URL is a prefix of the requested one (at a ``/``), any query.
EXACT, PARTIAL, ANY_QUERY, PREFIX = "exact", "partial", "any", "prefix"


def under(prefix: URL, url: URL) -> bool:
    """Whether ``url`` is ``prefix`` or below it (the path at a ``/``)."""
    mine, theirs = location(prefix), location(url)
    if mine[:3] != theirs[:3]:
        return False
    path = mine[3].rstrip("/")
    return theirs[3] == mine[3] or theirs[3].startswith(path + "/") or not path


class RequestPattern:
    """A method (``None``: any), a URL or compiled pattern, how the query is
    compared (``"exact"``, ``"partial"``: the expected pairs are among those
    sent, ``"any"``), and conditions."""

    __slots__ = ("conditions", "method", "query", "url", "use_passed_method")

    def __init__(
        self,
        method: str | None,
        url: URL | Pattern[str],
        *,
        query: str = EXACT,
        conditions: Sequence[Condition] = (),
        use_passed_method: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.query = query
        self.conditions = tuple(conditions)
        #: Compare with the method the code passed (the original's ``call['method']``).
        self.use_passed_method = use_passed_method

    def url_fits(self, url: URL) -> bool:
        """Whether ``url`` fits, the method and conditions aside."""
        if not isinstance(self.url, URL):
            return self.url.match(str(url)) is not None
        if self.query == PREFIX:
            return under(self.url, url)
        if location(self.url) != location(url):
            return False
        if self.query == PARTIAL:
            return query_key(self.url) <= query_key(url)
        return self.query == ANY_QUERY or query_key(self.url) == query_key(url)

    def conditions_hold(self, call: Call) -> bool:
        return all(condition(call) is None for condition in self.conditions)

    def matches(self, call: Call) -> bool:
        method = call["method"].upper() if self.use_passed_method else call.method
        return (
            (self.method is None or method == self.method)
            and self.url_fits(call.url)
            and self.conditions_hold(call)
        )

    def request_differences(self, call: Call) -> list[Difference]:
        """How the method and URL of ``call`` differ."""
        diffs = []
        method = call["method"].upper() if self.use_passed_method else call.method
        if self.method is not None and method != self.method:
            diffs.append(Difference(f"method {self.method} != {method}", f"method {method}"))
        url = call.url
        if not isinstance(self.url, URL):
            if self.url.match(str(url)) is None:
                reason = f"url does not match the pattern {self.url.pattern!r}"
                diffs.append(Difference(reason, f"url {url}"))
            return diffs
        mine, theirs = location(self.url), location(url)
        if self.query == PREFIX:
            if not under(self.url, url):
                reason = f"url is not under the prefix {self.url}"
                diffs.append(Difference(reason, f"url {url.with_query(None)}"))
            return diffs
        if mine != theirs:
            parts = []
            if mine[:3] != theirs[:3]:
                parts.append(f"origin {self.url.origin()} != {url.origin()}")
            if mine[3] != theirs[3]:
                parts.append(f"path {mine[3]} != {theirs[3]}")
            diffs.append(Difference("; ".join(parts), f"url {url.with_query(None)}"))
            return diffs
        if self.query != ANY_QUERY:
            expected, got = query_key(self.url), query_key(url)
            missing = expected - got
            unexpected: Iterable[tuple[str, str]] = set() if self.query == PARTIAL else got - expected
            if missing or unexpected:
                parts = []
                if missing:
                    parts.append(f"missing {format_pairs(missing)}")
                if unexpected:
                    parts.append(f"unexpected {format_pairs(unexpected)}")
                actual = format_pairs(got, "&") or "(empty)"
                diffs.append(Difference(QUERY_DIFFERENCE + "; ".join(parts), f"query {actual}"))
        return diffs

    def condition_differences(self, call: Call) -> list[Difference]:
        """How ``call`` fails the conditions."""
        diffs = []
        for condition in self.conditions:
            if isinstance(condition, _Check):
                difference = condition.difference(call)
            else:
                reason = condition(call)
                difference = None if reason is None else Difference(reason, reason)
            if difference is not None:
                diffs.append(difference)
        return diffs

    def differences(self, call: Call) -> list[Difference]:
        """Everything that differs; empty when ``call`` matches."""
        return self.request_differences(call) + self.condition_differences(call)

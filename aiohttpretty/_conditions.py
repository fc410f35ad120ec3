"""The building blocks of conditions: :class:`Difference`, the base of the
built-in checks (:class:`Check`), and the checks of the newer options
(``conditions=``, ``match_multipart``, ``match_proxy``, ``ANY`` query values)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from yarl import URL

from ._json_match import ANY
from ._multipart import check_expected, multipart_difference
from ._urls import format_pairs, query_key, query_pairs

if TYPE_CHECKING:
    from .records import Call

__all__ = ["Check", "Condition", "Difference", "Multipart", "Proxy", "Reason", "reasons", "split_any_params"]

#: A condition on a request: ``None`` when it holds, else the reason it does not.
Condition = Callable[["Call"], Union[str, None]]


class Difference(NamedTuple):
    """How a request differs from an expectation."""

    #: What was expected and what came, for the no-match error.
    reason: str
    #: What came, in brief, for the list of requests of a failed assertion.
    actual: str


class Check:
    """A built-in condition: a :data:`Condition` that also says what came."""

    def difference(self, call: Call) -> Difference | None:
        raise NotImplementedError

    def __call__(self, call: Call) -> str | None:
        difference = self.difference(call)
        return None if difference is None else difference.reason


class Reason(Check):
    """``conditions=[...]``: a :data:`Condition` returning ``None`` or a reason."""

    def __init__(self, condition: Condition) -> None:
        if not callable(condition):
            raise TypeError(
                f"each of conditions must be a callable taking the request and returning None or a "
                f"reason string, got {condition!r}"
            )
        self.condition = condition
        self.name = getattr(condition, "__qualname__", repr(condition))

    def difference(self, call: Call) -> Difference | None:
        reason = self.condition(call)
        if reason is None:
            return None
        if not isinstance(reason, str):
            raise TypeError(
                f"the condition {self.name} returned {reason!r}; return None when it holds, else a reason str"
            )
        return Difference(f"{self.name}: {reason}", f"{self.name}: {reason}")


class _QueryAny(Check):
    """``params={"page": ANY}``: the key is in the query with any value; with
    ``exact``, the query holds nothing beyond the pairs and keys expected."""

    def __init__(self, keys: list[str], pairs: set[tuple[str, str]], exact: bool) -> None:
        self.keys, self.pairs, self.exact = keys, pairs, exact

    def difference(self, call: Call) -> Difference | None:
        sent = call.url.query
        missing = [key for key in self.keys if key not in sent]
        unexpected = []
        if self.exact:
            unexpected = [p for p in query_key(call.url) if p[0] not in self.keys and p not in self.pairs]
        if not missing and not unexpected:
            return None
        parts = [f"missing {key}=ANY" for key in missing] + [f"unexpected {k}={v}" for k, v in unexpected]
        actual = format_pairs(query_key(call.url), "&") or "(empty)"
        return Difference("query " + "; ".join(parts), f"query {actual}")


def split_any_params(params: Any, exact: bool) -> tuple[Any, Check | None]:
    """``params`` without its :data:`ANY` values, and the check of those keys."""
    if not isinstance(params, Mapping) or not any(value is ANY for value in params.values()):
        return params, None
    rest = {key: value for key, value in params.items() if value is not ANY}
    keys = [str(key) for key, value in params.items() if value is ANY]
    return rest, _QueryAny(keys, set(query_pairs(rest)), exact)


class Proxy(Check):
    """``match_proxy``: the request went through this proxy (``ANY``: any proxy)."""

    def __init__(self, expected: Any, what: str = "match_proxy") -> None:
        if expected is not ANY:
            if not isinstance(expected, (str, URL)):
                raise TypeError(f"{what} must be a proxy URL or ANY, got {expected!r}")
            expected = URL(str(expected))
            if not expected.is_absolute():
                raise ValueError(
                    f"{what} must be an absolute URL such as 'http://proxy:3128', got {expected}"
                )
        self.expected = expected
        self.what = what

    def difference(self, call: Call) -> Difference | None:
        proxy = call.proxy
        if proxy is not None and (self.expected is ANY or proxy.origin() == self.expected.origin()):
            return None
        got = "a direct request" if proxy is None else f"the proxy {proxy.with_user(None)}"
        want = "any proxy" if self.expected is ANY else str(self.expected.with_user(None))
        return Difference(f"{self.what}: expected {want}, got {got}", f"proxy {proxy}")


class Multipart(Check):
    """``match_multipart``: fields of a ``multipart/form-data`` body."""

    def __init__(self, expected: Any, what: str = "match_multipart") -> None:
        self.what = what
        self.expected = check_expected(expected, what)

    def difference(self, call: Call) -> Difference | None:
        reason = multipart_difference(self.expected, call)
        if reason is None:
            return None
        return Difference(f"{self.what}: {reason}", f"multipart: {reason}")


def reasons(conditions: Any) -> list[Check]:
    if callable(conditions) or isinstance(conditions, (str, bytes)) or not isinstance(conditions, Sequence):
        raise TypeError(f"conditions must be a list of callables, got {conditions!r}")
    return [Reason(condition) for condition in conditions]

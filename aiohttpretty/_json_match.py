"""Comparing a request's JSON with an expectation that may be partial
(:class:`JsonLike`) or hold :data:`ANY` placeholders, with a reason naming
where the two part."""

from __future__ import annotations

import json as _json
from typing import Any

__all__ = ["ANY", "JsonLike", "json_difference"]


class _Any:
    """Equal to every value: a placeholder inside expected JSON, headers,
    query values and the assertion helpers' criteria."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ANY"

    def __reduce__(self) -> str:
        return "ANY"


#: A placeholder equal to any value: ``match_json={"id": ANY}``,
#: ``match_headers={"X-Request-Id": ANY}`` (present, any value),
#: ``params={"page": ANY}``.
ANY: Any = _Any()


class JsonLike:
    """An expected JSON value compared loosely: with ``strict=False`` the
    request's objects may hold more keys than expected; with ``ordered=False``
    lists are compared regardless of order.  Usable as ``match_json=`` and as
    the assertion helpers' ``json=``::

        register_uri("POST", url, match_json=JsonLike({"user": {"id": 1}}, strict=False))
    """

    __slots__ = ("expected", "ordered", "strict")

    def __init__(self, expected: Any, *, strict: bool = True, ordered: bool = True) -> None:
        for name, flag in (("strict", strict), ("ordered", ordered)):
            if not isinstance(flag, bool):
                raise TypeError(f"JsonLike: {name} must be True or False, got {flag!r}")
        try:
            _json.dumps(expected, default=_placeholder)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"JsonLike: the expected value must be JSON-serialisable data ({exc})") from None
        self.expected = expected
        self.strict = strict
        self.ordered = ordered

    def __eq__(self, other: object) -> bool:
        return json_difference(self, other) is None

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        flags = "" if self.strict else ", strict=False"
        flags += "" if self.ordered else ", ordered=False"
        return f"JsonLike({self.expected!r}{flags})"


def _placeholder(value: Any) -> Any:
    if isinstance(value, _Any):
        return None
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_difference(expected: Any, actual: Any) -> str | None:
    """``None`` when ``actual`` fits ``expected`` (a value or a
    :class:`JsonLike`), else where and how they differ."""
    if isinstance(expected, JsonLike):
        return _differ(expected.expected, actual, "$", expected.strict, expected.ordered)
    return _differ(expected, actual, "$", True, True)


def _differ(expected: Any, actual: Any, at: str, strict: bool, ordered: bool) -> str | None:
    if isinstance(expected, _Any):
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"at {at}: expected an object, got {actual!r:.80}"
        for key, value in expected.items():
            if key not in actual:
                return f"at {at}: missing key {key!r}"
            reason = _differ(value, actual[key], f"{at}.{key}", strict, ordered)
            if reason is not None:
                return reason
        extra = [key for key in actual if key not in expected]
        if strict and extra:
            return f"at {at}: unexpected key(s) {', '.join(map(repr, extra))} (strict=False allows them)"
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"at {at}: expected a list, got {actual!r:.80}"
        if len(expected) != len(actual):
            return f"at {at}: expected {len(expected)} item(s), got {len(actual)}"
        if ordered:
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                reason = _differ(want, got, f"{at}[{index}]", strict, ordered)
                if reason is not None:
                    return reason
            return None
        left = list(actual)
        for index, want in enumerate(expected):
            fit = next(
                (n for n, got in enumerate(left) if _differ(want, got, at, strict, False) is None), None
            )
            if fit is None:
                return f"at {at}: no item fits the expected [{index}] {want!r:.80} (in any order)"
            del left[fit]
        return None
    return None if expected == actual else f"at {at}: expected {expected!r:.80}, got {actual!r:.80}"

"""Request conditions beyond method and URL: ``match_headers``, ``match_json``,
``match_data`` and ``match``.

Each condition is a small callable that takes the recorded request and returns
``None`` when it holds, or the reason it does not (``match_json: expected
{'a': 1}, got {'a': 2}``).  The reasons go into the no-match error.
"""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl

from .routes import query_pairs

if TYPE_CHECKING:
    from .records import Call

__all__ = ["CONDITION_OPTIONS", "Condition", "build_conditions", "same_data"]

#: The options of ``register_uri`` that add a condition on the request.
CONDITION_OPTIONS = ("match_headers", "match_json", "match_data", "match")

Condition = Callable[["Call"], "str | None"]


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


class _Headers:
    def __init__(self, expected: Any) -> None:
        if not isinstance(expected, Mapping):
            raise TypeError(f"match_headers must be a mapping of header names to values, got {expected!r}")
        self.expected = {str(name): str(value) for name, value in expected.items()}

    def __call__(self, call: Call) -> str | None:
        for name, value in self.expected.items():
            sent = call.headers.getall(name, [])
            if value not in sent:
                got = ", ".join(repr(v) for v in sent) if sent else "no such header"
                return f"match_headers: expected {name}: {value!r}, got {got}"
        return None


class _Json:
    def __init__(self, expected: Any) -> None:
        try:
            _json.dumps(expected)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"match_json must be JSON-serialisable data ({exc})") from None
        self.expected = expected

    def __call__(self, call: Call) -> str | None:
        try:
            decoded = call.json()
        except ValueError:
            return f"match_json: expected {self.expected!r}, got a body that is not JSON: {call.body[:80]!r}"
        if decoded != self.expected:
            return f"match_json: expected {self.expected!r}, got {decoded!r}"
        return None


class _Data:
    def __init__(self, expected: Any) -> None:
        if not isinstance(expected, (bytes, bytearray, memoryview, str, Mapping, list, tuple)):
            raise TypeError(
                f"match_data must be bytes, str, or a mapping compared as a form, "
                f"got {type(expected).__name__}"
            )
        if isinstance(expected, (Mapping, list, tuple)):
            query_pairs(expected)  # check now, not at request time
        self.expected = expected

    def __call__(self, call: Call) -> str | None:
        if same_data(self.expected, call.body):
            return None
        return f"match_data: expected {self.expected!r:.200}, got {call.body!r:.200}"


class _Predicate:
    def __init__(self, predicate: Any) -> None:
        if not callable(predicate):
            raise TypeError(
                f"match must be a callable taking the request and returning a bool, got {predicate!r}"
            )
        self.predicate = predicate

    def __call__(self, call: Call) -> str | None:
        if self.predicate(call):
            return None
        name = getattr(self.predicate, "__qualname__", repr(self.predicate))
        return f"match: {name}(request) returned a false value"


_BUILDERS: dict[str, Callable[[Any], Condition]] = {
    "match_headers": _Headers,
    "match_json": _Json,
    "match_data": _Data,
    "match": _Predicate,
}


def build_conditions(options: dict[str, Any]) -> list[Condition]:
    """Take the condition options out of ``options`` and check them."""
    return [_BUILDERS[name](options.pop(name)) for name in CONDITION_OPTIONS if name in options]

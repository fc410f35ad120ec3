"""The cassette file: JSON, one exchange after another, loaded, validated and
saved atomically (a temporary file in the same directory, then renamed).

The format (version :data:`FORMAT_VERSION`)::

    {"aiohttpretty_cassette": 1,
     "exchanges": [
       {"request": {"method": "GET", "url": "http://...", "headers": [["Host", "..."]], "body": ""},
        "response": {"status": 200, "reason": "OK", "headers": [["Content-Type", "..."]],
                     "body": "...", "chunked": false}}]}

A body is ``"body": "<text>"`` when it is UTF-8 and not compressed, else
``"body_base64": "<base64>"``, the bytes as they went over the wire.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import pathlib
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from yarl import URL

from ._urls import location, query_key
from ._wire import Framing, has_no_body

__all__ = [
    "DEFAULT_FILTERED_HEADERS",
    "FORMAT_VERSION",
    "PLACEHOLDER",
    "CassetteError",
    "Exchange",
    "load",
    "save",
]

#: The version of the file format written (and the only one read).
FORMAT_VERSION = 1
#: The key holding the format version.
VERSION_KEY = "aiohttpretty_cassette"
#: Headers whose values are never written.
DEFAULT_FILTERED_HEADERS = ("Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization")
#: What a filtered value is written as.
PLACEHOLDER = "<FILTERED>"


class CassetteError(ValueError):
    """A cassette file that cannot be used: the message names the file and the entry."""


class Exchange:
    """One recorded request and its response, as they went over the wire."""

    __slots__ = (
        "_url_key",
        "chunked",
        "method",
        "reason",
        "request_body",
        "request_headers",
        "response_body",
        "response_headers",
        "status",
        "url",
        "used",
    )

    def __init__(
        self,
        method: str,
        url: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        response_body: bytes,
        chunked: bool,
    ) -> None:
        self.method = method
        self.url = url
        self.request_headers = request_headers
        self.request_body = request_body
        self.status = status
        self.reason = reason
        self.response_headers = response_headers
        self.response_body = response_body
        self.chunked = chunked
        #: Whether a request was answered with it (or it was recorded now).
        self.used = False
        self._url_key: tuple[Any, ...] | None = None

    @property
    def url_key(self) -> tuple[Any, ...]:
        """The URL as routes compare it: location, and the query as a set of pairs."""
        if self._url_key is None:
            url = URL(self.url, encoded=True)
            self._url_key = (location(url), query_key(url))
        return self._url_key

    def __repr__(self) -> str:
        return f"<Exchange {self.method} {self.url} -> {self.status}>"


def _body_out(data: bytes, headers: list[tuple[str, str]]) -> dict[str, str]:
    compressed = any(name.lower() == "content-encoding" for name, _ in headers)
    if not compressed:
        try:
            return {"body": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"body_base64": base64.b64encode(data).decode("ascii")}


def _filtered_headers(headers: list[tuple[str, str]], names: frozenset[str]) -> list[list[str]]:
    return [[name, PLACEHOLDER if name.lower() in names else value] for name, value in headers]


def _filtered_url(url: str, names: frozenset[str]) -> str:
    parsed = URL(url, encoded=True)
    if not names or not any(name in names for name in parsed.query):
        return url
    return str(parsed.with_query([(k, PLACEHOLDER if k in names else v) for k, v in parsed.query.items()]))


def _entry(exchange: Exchange, headers: frozenset[str], query: frozenset[str]) -> dict[str, Any]:
    return {
        "request": {
            "method": exchange.method,
            "url": _filtered_url(exchange.url, query),
            "headers": _filtered_headers(exchange.request_headers, headers),
            **_body_out(exchange.request_body, exchange.request_headers),
        },
        "response": {
            "status": exchange.status,
            "reason": exchange.reason,
            "headers": _filtered_headers(exchange.response_headers, headers),
            **_body_out(exchange.response_body, exchange.response_headers),
            "chunked": exchange.chunked,
        },
    }


def save(
    path: pathlib.Path,
    exchanges: Iterable[Exchange],
    filter_headers: frozenset[str],
    filter_query: frozenset[str],
    before_record: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
) -> None:
    """Write ``exchanges`` to ``path`` (filtered, through ``before_record``), atomically."""
    entries = []
    for number, exchange in enumerate(exchanges, 1):
        entry: dict[str, Any] | None = _entry(exchange, filter_headers, filter_query)
        if before_record is not None:
            entry = before_record(entry)  # type: ignore[arg-type]
            if entry is None:
                continue
            _exchange(entry, f"{path}: exchange {number}, as before_record returned it")
        entries.append(entry)
    text = json.dumps({VERSION_KEY: FORMAT_VERSION, "exchanges": entries}, indent=2, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text + "\n")
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def load(path: pathlib.Path) -> list[Exchange]:
    """The exchanges of the cassette at ``path``; :class:`CassetteError` naming
    the file and the entry when it cannot be used."""
    hint = "fix it, or delete it to record it again"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CassetteError(
            f"cassette {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"it may be truncated: {hint}"
        ) from None
    except UnicodeDecodeError as exc:
        raise CassetteError(f"cassette {path} is not UTF-8 text ({exc}): {hint}") from None
    if not isinstance(data, dict) or VERSION_KEY not in data:
        raise CassetteError(
            f"cassette {path} is not an aiohttpretty cassette (no {VERSION_KEY!r} key): {hint}"
        )
    version = data[VERSION_KEY]
    if version != FORMAT_VERSION:
        raise CassetteError(
            f"cassette {path} has format version {version!r}; this aiohttpretty reads version "
            f"{FORMAT_VERSION}: upgrade aiohttpretty, or record the cassette again"
        )
    entries = data.get("exchanges")
    if not isinstance(entries, list):
        raise CassetteError(f"cassette {path}: 'exchanges' must be a list: {hint}")
    return [
        _exchange(entry, f"cassette {path}: exchange {number}") for number, entry in enumerate(entries, 1)
    ]


def _exchange(entry: Any, where: str) -> Exchange:
    def fail(what: str) -> CassetteError:
        request = entry.get("request") if isinstance(entry, dict) else None
        named = ""
        if isinstance(request, dict):
            named = f" ({request.get('method')} {request.get('url')})"
        return CassetteError(
            f"{where}{named}: {what}; fix the entry, or delete the cassette to record it again"
        )

    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        raise fail("an exchange must be an object with 'request' and 'response' objects")
    request, response = entry["request"], entry.get("response")
    if not isinstance(response, dict):
        raise fail("'response' must be an object")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not method:
        raise fail("request 'method' must be a non-empty string")
    if not isinstance(url, str):
        raise fail("request 'url' must be a string")
    try:
        parsed = URL(url, encoded=True)
    except (ValueError, TypeError) as exc:
        raise fail(f"request 'url' is not a URL ({exc})") from None
    if not parsed.absolute or parsed.host is None:
        raise fail("request 'url' must be absolute (scheme and host)")
    status, reason = response.get("status"), response.get("reason", "")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 999:
        raise fail(f"response 'status' must be an integer from 100 to 999, got {status!r}")
    if not isinstance(reason, str) or "\r" in reason or "\n" in reason:
        raise fail("response 'reason' must be a string on one line")
    chunked = response.get("chunked", False)
    if not isinstance(chunked, bool):
        raise fail("response 'chunked' must be true or false")
    headers, body = _headers_in(response, "response", fail), _body_in(response, "response", fail)
    length = Framing.of(headers).content_length
    if (
        not chunked
        and length is not None
        and not has_no_body(method.upper(), status)
        and length != str(len(body))
    ):
        raise fail(
            f"the response's Content-Length is {length} but its body has {len(body)} bytes "
            f"(was the body edited?); correct the header or remove it"
        )
    return Exchange(
        method.upper(),
        url,
        _headers_in(request, "request", fail),
        _body_in(request, "request", fail),
        status,
        reason,
        headers,
        body,
        chunked,
    )


def _headers_in(
    part: dict[str, Any], side: str, fail: Callable[[str], CassetteError]
) -> list[tuple[str, str]]:
    headers = part.get("headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(item, str) and "\r" not in item and "\n" not in item for item in pair)
        and pair[0]
        for pair in headers
    ):
        raise fail(f"{side} 'headers' must be a list of [name, value] pairs of strings on one line")
    return [(name, value) for name, value in headers]


def _body_in(part: dict[str, Any], side: str, fail: Callable[[str], CassetteError]) -> bytes:
    if "body_base64" in part:
        if "body" in part:
            raise fail(f"{side} has both 'body' and 'body_base64': give one")
        encoded = part["body_base64"]
        if not isinstance(encoded, str):
            raise fail(f"{side} 'body_base64' must be a string")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise fail(f"{side} 'body_base64' is not base64 ({exc})") from None
    body = part.get("body", "")
    if not isinstance(body, str):
        raise fail(f"{side} 'body' must be a string (or give 'body_base64')")
    return body.encode("utf-8")

"""vcrpy's YAML cassettes, read (never written) when PyYAML is installed (the
``yaml`` extra), so that a vcrpy suite moves over without recording again.

vcrpy keeps the body aiohttp gave the client (decompressed, without chunk
framing) with the server's headers: so ``Content-Encoding`` and
``Transfer-Encoding`` are dropped on reading, and ``Content-Length`` is the
kept body's length.
"""

from __future__ import annotations

import pathlib
from typing import Any

from ._cassette_file import CassetteError, Exchange
from ._wire import has_no_body

__all__ = ["YAML_SUFFIXES", "load_vcr"]

#: The file name suffixes read as vcrpy cassettes.
YAML_SUFFIXES = (".yaml", ".yml")
_UNFRAMED = ("content-encoding", "transfer-encoding", "content-length")


def load_vcr(path: pathlib.Path) -> list[Exchange]:
    """The exchanges of the vcrpy cassette at ``path``."""
    try:
        import yaml
    except ImportError:
        raise CassetteError(
            f"cassette {path} is a vcrpy YAML cassette: reading it needs PyYAML "
            f"(pip install 'aiohttpretty[yaml]')"
        ) from None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CassetteError(f"cassette {path} is not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"cassette {path} is not a vcrpy cassette (no 'interactions' list)")
    return [
        _exchange(item, f"cassette {path}: interaction {n}") for n, item in enumerate(data["interactions"], 1)
    ]


def _exchange(item: Any, where: str) -> Exchange:
    try:
        request, response = item["request"], item["response"]
        method = str(request["method"]).upper()
        url = str(request["uri"])
        status = int(response["status"]["code"])
        reason = str(response["status"].get("message") or "")
        body = _bytes((response.get("body") or {}).get("string"))
        headers = [pair for pair in _pairs(response.get("headers")) if pair[0].lower() not in _UNFRAMED]
        if has_no_body(method, status):
            headers += [
                pair for pair in _pairs(response.get("headers")) if pair[0].lower() == "content-length"
            ]
        else:
            headers.append(("Content-Length", str(len(body))))
        return Exchange(
            method,
            url,
            _pairs(request.get("headers")),
            _bytes(request.get("body")),
            status,
            reason,
            headers,
            body,
            False,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(f"{where}: not a vcrpy interaction ({type(exc).__name__}: {exc})") from None


def _pairs(headers: Any) -> list[tuple[str, str]]:
    if not headers:
        return []
    pairs = []
    for name, values in dict(headers).items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((str(name), str(value)))
    return pairs


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TypeError(f"a body must be text or bytes, got {type(body).__name__}")

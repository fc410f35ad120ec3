"""``multipart/form-data`` request bodies, parsed with aiohttp's own
:class:`aiohttp.MultipartReader`, compared with expected field values and
files (:class:`FilePart`)."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import aiohttp
from multidict import CIMultiDict

from ._json_match import ANY

if TYPE_CHECKING:
    from .records import Call

__all__ = ["FilePart", "Part", "check_expected", "multipart_difference", "parts_of"]


class FilePart:
    """An expected file field of a multipart upload; each of ``content``
    (bytes or str, compared as UTF-8), ``filename`` and ``content_type`` may be
    :data:`~aiohttpretty.ANY` (the default)."""

    __slots__ = ("content", "content_type", "filename")

    def __init__(self, content: Any = ANY, *, filename: Any = ANY, content_type: Any = ANY) -> None:
        if isinstance(content, str):
            content = content.encode("utf-8")
        elif isinstance(content, (bytearray, memoryview)):
            content = bytes(content)
        if content is not ANY and not isinstance(content, bytes):
            raise TypeError(f"FilePart: content must be bytes, str or ANY, got {type(content).__name__}")
        for what, value in (("filename", filename), ("content_type", content_type)):
            if value is not ANY and not isinstance(value, str):
                raise TypeError(f"FilePart: {what} must be a str or ANY, got {value!r}")
        self.content, self.filename, self.content_type = content, filename, content_type

    def __repr__(self) -> str:
        return (
            f"FilePart({self.content!r:.60}, filename={self.filename!r}, content_type={self.content_type!r})"
        )


class Part(NamedTuple):
    """One part of a parsed multipart body."""

    name: str | None
    filename: str | None
    content_type: str
    content: bytes


class _Content:
    """The body as the stream :class:`aiohttp.MultipartReader` reads; it never waits."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self._data)
        piece, self._data = self._data[:n], self._data[n:]
        return piece

    async def readline(self, max_line_length: int | None = None) -> bytes:
        end = self._data.find(b"\n")
        end = len(self._data) if end < 0 else end + 1
        line, self._data = self._data[:end], self._data[end:]
        return line

    async def readany(self) -> bytes:
        return await self.read()

    def at_eof(self) -> bool:
        return not self._data

    def unread_data(self, data: bytes) -> None:
        self._data = data + self._data


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never waits, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("parsing the multipart body waited")  # pragma: no cover


async def _parse(content_type: str, body: bytes) -> list[Part]:
    reader = aiohttp.MultipartReader(CIMultiDict({"Content-Type": content_type}), _Content(body))  # type: ignore[arg-type]
    parts: list[Part] = []
    while True:
        part = await reader.next()
        if part is None:
            return parts
        if not isinstance(part, aiohttp.BodyPartReader):
            continue  # a nested multipart is not a form field
        data = await part.read(decode=True)
        kind = part.headers.get("Content-Type", "text/plain")
        parts.append(Part(part.name, part.filename, kind, bytes(data)))


def parts_of(call: Call) -> list[Part] | str:
    """The parts of the request's ``multipart/form-data`` body, or why it has none."""
    content_type = call.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return f"the body is not multipart/form-data (Content-Type: {content_type or 'absent'})"
    try:
        return _run(_parse(content_type, call.content))  # type: ignore[no-any-return]
    except (ValueError, RuntimeError, AssertionError) as exc:
        return f"the multipart body cannot be parsed ({exc})"


def check_expected(expected: Any, what: str = "match_multipart") -> dict[str, Any]:
    """``expected`` checked: a mapping of field names to a str/bytes value,
    :data:`ANY`, or a :class:`FilePart`."""
    if not isinstance(expected, Mapping) or not expected:
        raise TypeError(
            f"{what} must be a non-empty mapping of field names to values or FilePart(...), got {expected!r}"
        )
    checked: dict[str, Any] = {}
    for name, value in expected.items():
        if not isinstance(name, str):
            raise TypeError(f"{what}: field names are str, got {name!r}")
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not (value is ANY or isinstance(value, (bytes, FilePart))):
            raise TypeError(f"{what}: field {name!r} must be str, bytes, ANY or FilePart(...), got {value!r}")
        checked[name] = value
    return checked


def multipart_difference(expected: dict[str, Any], call: Call) -> str | None:
    """``None`` when the request's multipart body has the expected fields
    (others allowed), else the first that differs."""
    parts = parts_of(call)
    if isinstance(parts, str):
        return parts
    for name, want in expected.items():
        sent = [part for part in parts if part.name == name]
        if not sent:
            names = ", ".join(repr(part.name) for part in parts) or "none"
            return f"no field {name!r} (fields sent: {names})"
        if want is ANY:
            continue
        if isinstance(want, bytes):
            if not any(part.content == want for part in sent):
                return f"field {name!r}: expected {want!r:.80}, got {sent[0].content!r:.80}"
            continue
        reasons = [_file_difference(want, part) for part in sent]
        if all(reasons):
            return f"field {name!r}: {reasons[0]}"
    return None


def _file_difference(want: FilePart, part: Part) -> str | None:
    if want.filename is not ANY and part.filename != want.filename:
        return f"filename expected {want.filename!r}, got {part.filename!r}"
    if want.content_type is not ANY and part.content_type.split(";")[0].strip() != want.content_type:
        return f"content type expected {want.content_type!r}, got {part.content_type!r}"
    if want.content is not ANY and part.content != want.content:
        return f"content expected {want.content!r:.80}, got {part.content!r:.80}"
    return None

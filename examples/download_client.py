"""A file download client: the other kind of code aiohttpretty is for.

:class:`Downloader` streams a URL to a file with ``response.content.iter_chunked``,
following redirects. It writes to ``<name>.part`` and renames the file when the
download is complete, reports progress, checks the length the server announced
and an expected SHA-256, and resumes an interrupted download with a ``Range``
request: one left over from an earlier run, or one whose connection dropped.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

#: ``progress(received, total)``: bytes of the file so far, and its size if known.
Progress = Callable[[int, int | None], None]

_CONTENT_RANGE = re.compile(r"bytes (?:(\d+)-(\d+)|\*)/(\d+)")


class DownloadError(Exception):
    """The download could not be completed."""


class IncompleteDownload(DownloadError):
    """The connection kept breaking before the whole file arrived."""


class ChecksumMismatch(DownloadError):
    """The file arrived whole but its SHA-256 is not the expected one."""


@dataclass
class DownloadResult:
    path: Path
    url: str  # where the file came from, after redirects
    size: int
    sha256: str
    resumed_from: int = 0  # bytes already on disk when the last request started
    requests: int = 1


class Downloader:
    """Downloads files over HTTP, ``chunk_size`` bytes at a time.

    A transfer that breaks is resumed up to ``retries`` times.
    """

    def __init__(
        self, chunk_size: int = 64 * 1024, retries: int = 2, progress: Progress | None = None
    ) -> None:
        self.chunk_size = chunk_size
        self.retries = retries
        self.progress = progress

    async def download(
        self, url: str, dest: str | os.PathLike[str], sha256: str | None = None
    ) -> DownloadResult:
        """Download ``url`` to ``dest`` and return what was downloaded.

        A ``dest.part`` file left by an interrupted download is resumed.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        async with aiohttp.ClientSession() as session:
            for attempt in range(self.retries + 1):
                try:
                    result = await self._fetch(session, url, part)
                except aiohttp.ClientPayloadError as exc:
                    if attempt == self.retries:
                        raise IncompleteDownload(
                            f"{url}: the transfer broke {attempt + 1} times; "
                            f"{part.stat().st_size if part.exists() else 0} bytes kept in {part}"
                        ) from exc
                    continue
                result.requests = attempt + 1
                break
        if sha256 is not None and result.sha256 != sha256.lower():
            part.unlink()
            raise ChecksumMismatch(f"{url}: SHA-256 {result.sha256}, expected {sha256}")
        os.replace(part, dest)
        result.path = dest
        return result

    async def _fetch(self, session: aiohttp.ClientSession, url: str, part: Path) -> DownloadResult:
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        async with session.get(url, headers=headers) as response:
            if response.status == 416 and offset:
                # Range Not Satisfiable: complete already if the file has that size.
                _, _, size = _content_range(response)
                if size == offset:
                    return DownloadResult(part, str(response.url), offset, _sha256_of(part), offset)
                offset = 0
                part.unlink()
                return await self._fetch(session, url, part)
            response.raise_for_status()
            if response.status == 206:
                start, _, total = _content_range(response)
                if start != offset:
                    raise DownloadError(f"{url}: asked for bytes from {offset}, got bytes from {start}")
            else:  # 200: the server sends the whole file, whatever was asked for
                offset = 0
                total = response.content_length

            digest = hashlib.sha256()
            if offset:
                digest.update(part.read_bytes())
            received = offset
            self._report(received, total)
            with open(part, "ab" if offset else "wb") as file:
                async for chunk in response.content.iter_chunked(self.chunk_size):
                    file.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    self._report(received, total)
            # aiohttp raises ClientPayloadError when the connection closes before
            # Content-Length bytes arrived; a longer body is cut at that length.
            if total is not None and received != total:
                raise DownloadError(f"{url}: got {received} bytes of {total}")
            return DownloadResult(part, str(response.url), received, digest.hexdigest(), offset)

    def _report(self, received: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(received, total)


def _content_range(response: aiohttp.ClientResponse) -> tuple[int | None, int | None, int]:
    """``(first, last, size)`` from ``Content-Range: bytes first-last/size`` (or ``*/size``)."""
    header = response.headers.get("Content-Range", "")
    match = _CONTENT_RANGE.fullmatch(header.strip())
    if match is None:
        raise DownloadError(f"{response.url}: invalid Content-Range {header!r}")
    first, last, size = match.groups()
    return (None if first is None else int(first), None if last is None else int(last), int(size))


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""Tests of the download client, written with aiohttpretty.AioHTTPrettyTestCase.

Run them with ``python -m unittest discover examples``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import tempfile
from pathlib import Path

import aiohttp
from download_client import ChecksumMismatch, Downloader, IncompleteDownload

import aiohttpretty

URL = "http://files.test/releases/tool.tar.gz"
CDN = "http://cdn.files.test/blobs/7f3a/tool.tar.gz"
DATA = b"0123456789"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DownloaderTest(aiohttpretty.AioHTTPrettyTestCase):
    assert_all_called = True  # every route registered here must be requested

    def setUp(self) -> None:
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dest = Path(directory.name) / "tool.tar.gz"
        self.part = Path(directory.name) / "tool.tar.gz.part"
        self.progress: list[tuple[int, int | None]] = []
        self.downloader = Downloader(
            chunk_size=4, progress=lambda received, total: self.progress.append((received, total))
        )

    async def test_streams_the_body_to_the_file(self):
        self.register_uri("GET", URL, headers={"Content-Length": "10"}, body=[b"0123", b"4567", b"89"])

        result = await self.downloader.download(URL, self.dest, sha256=sha256(DATA))

        self.assertEqual(self.dest.read_bytes(), DATA)
        self.assertFalse(self.part.exists())
        self.assertEqual(
            (result.path, result.size, result.sha256, result.requests), (self.dest, 10, sha256(DATA), 1)
        )

    async def test_reports_progress_in_chunks_of_at_most_chunk_size(self):
        self.register_uri("GET", URL, headers={"Content-Length": "10"}, body=DATA)

        await self.downloader.download(URL, self.dest)

        self.assertEqual(self.progress[0], (0, 10))
        self.assertEqual(self.progress[-1], (10, 10))
        steps = [after[0] - before[0] for before, after in itertools.pairwise(self.progress)]
        self.assertTrue(all(0 < step <= 4 for step in steps), steps)

    async def test_size_is_unknown_without_content_length(self):
        # A server that streams without announcing the length: auto_length=False
        # sends the body without Content-Length, read until the connection closes.
        self.register_uri("GET", URL, body=[b"01234", b"56789"], auto_length=False)

        result = await self.downloader.download(URL, self.dest)

        self.assertEqual(result.size, 10)
        self.assertEqual(self.progress[-1], (10, None))

    async def test_follows_a_redirect_to_the_mirror(self):
        self.register_uri("GET", URL, status=302, headers={"Location": CDN})
        self.register_uri("GET", CDN, headers={"Content-Length": "10"}, body=DATA)

        result = await self.downloader.download(URL, self.dest)

        self.assertEqual(result.url, CDN)
        self.assertEqual(self.dest.read_bytes(), DATA)
        self.assertEqual([str(call.url) for call in self.calls], [URL, CDN])

    async def test_a_large_streamed_body(self):
        blocks = [bytes([n]) * 65536 for n in range(32)]  # 2 MiB

        async def generate():
            for block in blocks:
                yield block

        self.register_uri("GET", URL, headers={"Content-Length": str(2 * 2**20)}, body=generate())

        result = await Downloader().download(URL, self.dest, sha256=sha256(b"".join(blocks)))

        self.assertEqual(result.size, 2 * 2**20)
        self.assertEqual(self.dest.stat().st_size, 2 * 2**20)

    async def test_resumes_a_partial_file_with_a_range_request(self):
        self.part.write_bytes(DATA[:4])
        self.register_uri(
            "GET",
            URL,
            match_headers={"Range": "bytes=4-"},
            status=206,
            headers={"Content-Range": "bytes 4-9/10", "Content-Length": "6"},
            body=DATA[4:],
        )

        result = await self.downloader.download(URL, self.dest, sha256=sha256(DATA))

        self.assertEqual(self.dest.read_bytes(), DATA)
        self.assertEqual(result.resumed_from, 4)
        self.assertEqual(self.progress[-1], (10, 10))

    async def test_starts_again_when_the_server_ignores_the_range(self):
        self.part.write_bytes(b"stale")
        self.register_uri("GET", URL, headers={"Content-Length": "10"}, body=DATA)

        result = await self.downloader.download(URL, self.dest)

        self.assertEqual(self.dest.read_bytes(), DATA)
        self.assertEqual(result.resumed_from, 0)
        self.assertEqual(self.calls.last.headers["Range"], "bytes=5-")

    async def test_a_complete_partial_file_needs_no_more_bytes(self):
        self.part.write_bytes(DATA)
        self.register_uri("GET", URL, status=416, headers={"Content-Range": "bytes */10"})

        result = await self.downloader.download(URL, self.dest, sha256=sha256(DATA))

        self.assertEqual((result.size, result.resumed_from), (10, 10))
        self.assertEqual(self.dest.read_bytes(), DATA)

    async def test_a_dropped_connection_is_resumed_where_it_broke(self):
        first_part_saved = asyncio.Event()

        async def dropped_after_six_bytes():
            yield DATA[:6]
            await first_part_saved.wait()
            raise ConnectionResetError("connection reset by peer")

        def progress(received, total):
            if received >= 6:
                first_part_saved.set()

        self.register_uri(
            "GET",
            URL,
            responses=[
                {"headers": {"Content-Length": "10"}, "body": dropped_after_six_bytes()},
                {
                    "status": 206,
                    "headers": {"Content-Range": "bytes 6-9/10", "Content-Length": "4"},
                    "body": DATA[6:],
                },
            ],
        )

        result = await Downloader(progress=progress).download(URL, self.dest, sha256=sha256(DATA))

        self.assertEqual(self.dest.read_bytes(), DATA)
        self.assertEqual((result.requests, result.resumed_from), (2, 6))
        self.assertNotIn("Range", self.calls[0].headers)
        self.assertEqual(self.calls[1].headers["Range"], "bytes=6-")

    async def test_gives_up_when_the_body_is_always_short(self):
        # Content-Length promises 10 bytes, the connection closes after 4.
        self.register_uri("GET", URL, headers={"Content-Length": "10"}, body=DATA[:4])

        with self.assertRaises(IncompleteDownload) as caught:
            await Downloader(retries=2).download(URL, self.dest)

        self.assertIsInstance(caught.exception.__cause__, aiohttp.ClientPayloadError)
        self.assertCallCount("GET", URL, 3)
        self.assertFalse(self.dest.exists())

    async def test_a_wrong_checksum_keeps_nothing(self):
        self.register_uri("GET", URL, headers={"Content-Length": "10"}, body=b"9876543210")

        with self.assertRaises(ChecksumMismatch):
            await self.downloader.download(URL, self.dest, sha256=sha256(DATA))

        self.assertFalse(self.dest.exists())
        self.assertFalse(self.part.exists())

    async def test_http_errors_are_raised(self):
        self.register_uri("GET", URL, status=404, reason="Not Found")

        with self.assertRaises(aiohttp.ClientResponseError) as caught:
            await self.downloader.download(URL, self.dest)

        self.assertEqual(caught.exception.status, 404)
        self.assertFalse(self.dest.exists())

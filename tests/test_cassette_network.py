"""Recording (and passthrough) reach the real server as aiohttp would: with the
TLS settings of the request and of its connector, and through the request's
HTTP proxy (absolute form for plain HTTP, a ``CONNECT`` tunnel for HTTPS).
Real servers on 127.0.0.1: an HTTPS ``aiohttp.web`` server with a self-signed
certificate, and a small forwarding proxy that notes what it relays."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import pathlib
import ssl
import tempfile
import unittest
import warnings

import aiohttp
from aiohttp import web
from yarl import URL

import aiohttpretty

#: ``Proxy-Authorization`` for user:secret.
CREDENTIALS = "Basic " + base64.b64encode(b"user:secret").decode()


#: A self-signed certificate for 127.0.0.1 (valid until 2126) and its key.
DATA = pathlib.Path(__file__).resolve().parent / "data"
CERTIFICATE, KEY = DATA / "selfsigned-127.0.0.1.pem", DATA / "selfsigned-127.0.0.1.key"


async def _start_app(tls: ssl.SSLContext | None) -> tuple[web.AppRunner, int]:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.path} over {request.scheme}")

    app = web.Application()
    app.router.add_get("/{path:.*}", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    return runner, runner.addresses[0][1]


class Proxy:
    """A forwarding HTTP proxy on 127.0.0.1: a request in absolute form is sent
    on to its host in origin form, a ``CONNECT`` opens a tunnel (or, with
    ``refuse``, is answered ``407``).  ``seen`` notes each request line with
    its ``Proxy-Authorization``."""

    def __init__(self, refuse: bool = False) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.refuse = refuse
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            line, *header_lines = head[:-4].split("\r\n")
            headers = {n.strip().lower(): v.strip() for n, v in (h.split(":", 1) for h in header_lines)}
            self.seen.append((line, headers.get("proxy-authorization")))
            method, target, _ = line.split(" ")
            if method == "CONNECT":
                if self.refuse:
                    writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    return
                host, port = target.rsplit(":", 1)
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                url = URL(target)
                up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
                up_writer.write(head.replace(target, url.raw_path_qs, 1).encode("latin-1"))
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def _get(url: str, connector: aiohttp.BaseConnector | None = None, **kwargs: object) -> str:
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url, **kwargs) as response:  # type: ignore[arg-type]
            response.raise_for_status()
            return await response.text()


class _Servers(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        # The HTTPS server logs each handshake a client refuses (the tests of
        # certificate checks do that on purpose); the rest is reported as usual.
        loop = asyncio.get_running_loop()

        def report(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
            refused = isinstance(context.get("exception"), (ConnectionResetError, ssl.SSLError))
            if not (refused and "incoming connection" in str(context.get("message"))):
                loop.default_exception_handler(context)

        loop.set_exception_handler(report)
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = pathlib.Path(directory.name)
        self.cert, key = CERTIFICATE, KEY
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(self.cert, key)
        secure, port = await _start_app(server_tls)
        self.https = f"https://127.0.0.1:{port}"
        plain, port = await _start_app(None)
        self.http = f"http://127.0.0.1:{port}"
        self.runners = [secure, plain]
        self.addAsyncCleanup(self.stop)
        self.proxy = Proxy()
        self.proxy_url = await self.proxy.start()
        self.cassette = self.directory / "tape.json"

    async def stop(self) -> None:
        """Stop the servers and the proxy."""
        while self.runners:
            await self.runners.pop().cleanup()
        await self.proxy.close()

    async def record_then_replay(self, url: str, make_connector=None, **kwargs: object) -> str:
        """Record ``GET url``, then replay it with the servers stopped; both texts match."""
        with aiohttpretty.cassette(self.cassette) as tape:
            self.assertTrue(tape.recording)
            recorded = await _get(url, make_connector() if make_connector else None, **kwargs)
        await self.stop()
        with aiohttpretty.cassette(self.cassette, "none", assert_all_called=True):
            replayed = await _get(url, make_connector() if make_connector else None, **kwargs)
        self.assertEqual(replayed, recorded)
        return recorded


class TLSTest(_Servers):
    async def test_recording_uses_the_connectors_ssl_false(self):
        text = await self.record_then_replay(self.https + "/a", lambda: aiohttp.TCPConnector(ssl=False))
        self.assertEqual(text, "hello /a over https")

    async def test_recording_uses_the_connectors_ssl_context(self):
        def trusting() -> aiohttp.TCPConnector:
            return aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=str(self.cert)))

        self.assertEqual(await self.record_then_replay(self.https + "/b", trusting), "hello /b over https")

    async def test_recording_verifies_by_default(self):
        with self.assertRaisesRegex(
            aiohttp.ClientOSError, r"127\.0\.0\.1.* \(recording\): .*CERTIFICATE_VERIFY"
        ):
            with aiohttpretty.cassette(self.cassette):
                await _get(self.https + "/c")
        self.assertFalse(self.cassette.exists())

    async def test_the_requests_ssl_wins_over_the_connectors(self):
        connector = aiohttp.TCPConnector(ssl=False)
        with self.assertRaisesRegex(
            aiohttp.ClientOSError, r"\(passthrough_unmatched\): .*CERTIFICATE_VERIFY"
        ):
            async with aiohttpretty.mocked(passthrough_unmatched=True):
                await _get(self.https + "/d", connector, ssl=ssl.create_default_context())
        async with aiohttpretty.mocked(passthrough_unmatched=True) as mock:
            self.assertEqual(await _get(self.https + "/d", ssl=False), "hello /d over https")
        self.assertEqual(len(mock.passed_through), 1)

    async def test_a_fingerprint_is_checked(self):
        der = ssl.PEM_cert_to_DER_cert(self.cert.read_text())
        good = aiohttp.Fingerprint(hashlib.sha256(der).digest())
        bad = aiohttp.Fingerprint(bytes(32))
        async with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", self.https + "/e", passthrough=True)
            self.assertEqual(await _get(self.https + "/e", ssl=good), "hello /e over https")
            with self.assertRaises(aiohttp.ServerFingerprintMismatch):
                await _get(self.https + "/e", ssl=bad)
        with self.assertRaises(aiohttp.ServerFingerprintMismatch):
            with aiohttpretty.cassette(self.cassette):
                await _get(self.https + "/e", aiohttp.TCPConnector(ssl=bad))
        self.assertEqual(await self.record_then_replay(self.https + "/e", ssl=good), "hello /e over https")


class ProxyTest(_Servers):
    async def test_plain_http_is_recorded_through_the_proxy(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # proxy_auth, in aiohttp 3.14
            auth = aiohttp.BasicAuth("user", "secret")
            text = await self.record_then_replay(self.http + "/p?q=1", proxy=self.proxy_url, proxy_auth=auth)
        self.assertEqual(text, "hello /p over http")
        # In absolute form, with the credentials aiohttp puts on the request.
        self.assertEqual(self.proxy.seen, [(f"GET {self.http}/p?q=1 HTTP/1.1", CREDENTIALS)])
        self.assertNotIn(CREDENTIALS, self.cassette.read_text())  # filtered

    async def test_https_is_recorded_through_a_connect_tunnel(self):
        text = await self.record_then_replay(
            self.https + "/t",
            lambda: aiohttp.TCPConnector(ssl=False),
            proxy=self.proxy_url,
            proxy_headers={"Proxy-Authorization": CREDENTIALS},
        )
        self.assertEqual(text, "hello /t over https")
        authority = self.https.removeprefix("https://")
        self.assertEqual(self.proxy.seen, [(f"CONNECT {authority} HTTP/1.1", CREDENTIALS)])

    async def test_the_tunnel_carries_proxy_auth(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # proxy_auth, in aiohttp 3.14
            auth = aiohttp.BasicAuth("user", "secret")
            connector = aiohttp.TCPConnector(ssl=False)
            async with aiohttpretty.mocked(passthrough_unmatched=True):
                text = await _get(self.https + "/u", connector, proxy=self.proxy_url, proxy_auth=auth)
        self.assertEqual(text, "hello /u over https")
        authority = self.https.removeprefix("https://")
        self.assertEqual(self.proxy.seen, [(f"CONNECT {authority} HTTP/1.1", CREDENTIALS)])

    async def test_passthrough_routes_go_through_the_proxy(self):
        async with aiohttpretty.mocked() as mock:
            mock.register_uri("GET", self.http + "/r", passthrough=True)
            mock.register_uri("GET", self.https + "/r", passthrough=True)
            self.assertEqual(await _get(self.http + "/r", proxy=self.proxy_url), "hello /r over http")
            text = await _get(self.https + "/r", aiohttp.TCPConnector(ssl=False), proxy=self.proxy_url)
            self.assertEqual(text, "hello /r over https")
            mock.assert_called("GET", self.http + "/r", proxy=self.proxy_url)
        lines = [line for line, _ in self.proxy.seen]
        self.assertEqual(lines[0], f"GET {self.http}/r HTTP/1.1")
        self.assertEqual(lines[1], f"CONNECT {self.https.removeprefix('https://')} HTTP/1.1")

    async def test_a_refused_tunnel_is_a_client_error_naming_the_proxy(self):
        refusing = Proxy(refuse=True)
        url = await refusing.start()
        self.addAsyncCleanup(refusing.close)
        async with aiohttpretty.mocked(passthrough_unmatched=True):
            with self.assertRaisesRegex(aiohttp.ClientOSError, r"through the proxy .*407"):
                await _get(self.https + "/x", aiohttp.TCPConnector(ssl=False), proxy=url)
        with self.assertRaisesRegex(aiohttp.ClientOSError, r"through the proxy .*\(recording\): .*407"):
            with aiohttpretty.cassette(self.cassette):
                await _get(self.https + "/x", aiohttp.TCPConnector(ssl=False), proxy=url)
        self.assertFalse(self.cassette.exists())
        # (aiohttp tries a GET once more when its connection fails after the request was written)
        self.assertEqual({line for line, _ in refusing.seen}, {f"CONNECT {self.https[8:]} HTTP/1.1"})


if __name__ == "__main__":
    unittest.main()

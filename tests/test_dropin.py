"""Patterns of real suites written for the original aiohttpretty, run the way
they run them: the module-level API on the default mock, activated and
cleared by hand as their conftest hooks do."""

from __future__ import annotations

import unittest
import warnings
from typing import Any

import aiohttp
from yarl import URL

import aiohttpretty


class Furl:
    """A URL object of another library: only ``__str__`` (as ``furl`` has)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __str__(self) -> str:
        return self._text


class OriginalSuite(unittest.IsolatedAsyncioTestCase):
    """The original's conftest: clear() and activate() before, deactivate() after."""

    async def asyncSetUp(self) -> None:
        aiohttpretty.clear()
        aiohttpretty.activate()
        self.addCleanup(aiohttpretty.clear)
        self.addCleanup(aiohttpretty.deactivate)

    async def request(self, method: str, url: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, url, **kwargs) as response:
                return response.status, await response.read()


class SignedUrlTest(OriginalSuite):
    async def test_a_signed_url_with_a_raw_space_given_encoded(self):
        aiohttpretty.register_uri(
            "GET", "https://bucket.s3.test/that%20kerning/file?Signature=ab%2Bc&Expires=1", body=b"kerned"
        )
        signed = URL("https://bucket.s3.test/that kerning/file?Signature=ab%2Bc&Expires=1", encoded=True)
        self.assertEqual(await self.request("GET", signed), (200, b"kerned"))
        self.assertTrue(aiohttpretty.has_call(method="GET", uri=signed))
        self.assertTrue(
            aiohttpretty.has_call(
                method="GET", uri="https://bucket.s3.test/that%20kerning/file?Signature=ab%2Bc&Expires=1"
            )
        )

    async def test_an_upper_case_host_given_encoded(self):
        aiohttpretty.register_json_uri("PUT", "https://Target.Host/Key%7E1", body={"ok": True}, status=201)
        url = URL("https://Target.Host/Key%7E1", encoded=True)
        self.assertEqual(await self.request("PUT", url, data=b"x"), (201, b'{"ok": true}'))
        self.assertTrue(aiohttpretty.has_call(method="PUT", uri=url))
        self.assertTrue(aiohttpretty.has_call(method="PUT", uri="https://target.host/Key~1"))
        self.assertEqual(aiohttpretty.calls[0]["uri"], "https://TARGET.host/Key%7e1")

    async def test_a_percent_encoded_path_matches_the_same_string(self):
        aiohttpretty.register_uri("GET", "http://api.test/%7Euser/a%2Fb", body=b"home")
        self.assertEqual(
            await self.request("GET", URL("http://api.test/%7Euser/a%2Fb", encoded=True)), (200, b"home")
        )
        self.assertEqual(await self.request("GET", "http://api.test/~user/a%2Fb"), (200, b"home"))


class OtherUrlObjectsTest(OriginalSuite):
    async def test_an_object_whose_str_is_a_url_is_taken_everywhere(self):
        aiohttpretty.register_uri("GET", Furl("http://box.test/files/1"), body=b"one")
        aiohttpretty.register_json_uri("POST", Furl("http://box.test/files"), body={"id": 2})
        self.assertEqual(await self.request("GET", "http://box.test/files/1"), (200, b"one"))
        self.assertEqual(await self.request("POST", "http://box.test/files", data=b"x"), (200, b'{"id": 2}'))
        self.assertTrue(aiohttpretty.has_call(method="GET", uri=Furl("http://box.test/files/1")))
        # It compares: a URL that was not requested is not found.
        self.assertFalse(aiohttpretty.has_call(method="GET", uri=Furl("http://box.test/files/3")))
        self.assertEqual(aiohttpretty.calls[0]["uri"], Furl("http://box.test/files/1"))

    def test_an_object_that_is_no_url_is_refused(self):
        with self.assertRaisesRegex(TypeError, "uri must be a str or a yarl.URL"):
            aiohttpretty.has_call(object())
        with self.assertRaisesRegex(ValueError, "absolute http"):
            aiohttpretty.has_call(Furl("not a url"))


class SchemelessTest(OriginalSuite):
    async def test_a_schemeless_route_answers_the_same_string_with_a_warning(self):
        aiohttpretty.register_json_uri("GET", "api.example.com", body={"ok": 1})
        with self.assertWarnsRegex(aiohttpretty.AioHTTPrettyWarning, "has no scheme: aiohttp refuses") as w:
            status, body = await self.request("GET", "api.example.com")
        self.assertEqual(w.filename, __file__)
        self.assertEqual((status, body), (200, b'{"ok": 1}'))
        self.assertTrue(aiohttpretty.has_call(method="GET", uri="http://api.example.com"))

    async def test_an_unregistered_schemeless_string_fails_as_aiohttp_fails(self):
        aiohttpretty.register_uri("GET", "api.example.com")
        with self.assertRaises((aiohttp.InvalidURL, aiohttp.ClientError, ValueError)):
            await self.request("GET", "other.example.com")

    def test_the_newer_entry_points_refuse_a_schemeless_route(self):
        with self.assertRaisesRegex(ValueError, "did you mean 'http://api.example.com'"):
            aiohttpretty.AioHTTPretty().register_uri("GET", "api.example.com")


class OptionsBesideResponsesTest(OriginalSuite):
    async def test_they_are_ignored_with_a_warning_naming_them(self):
        with self.assertWarnsRegex(aiohttpretty.AioHTTPrettyWarning, r"\['status'\] beside responses"):
            aiohttpretty.register_uri(
                "GET", "http://api.test/x", status=201, responses=[{"status": 404}, {"body": b"ok"}]
            )
        self.assertEqual(await self.request("GET", "http://api.test/x"), (404, b""))
        self.assertEqual(await self.request("GET", "http://api.test/x"), (200, b"ok"))

    def test_the_newer_entry_points_keep_the_error(self):
        with self.assertRaisesRegex(ValueError, "inside each entry of responses"):
            aiohttpretty.AioHTTPretty().register_uri("GET", "http://api.test/x", status=201, responses=[{}])


class CopiedContentLengthTest(OriginalSuite):
    HEADERS = {"Content-Type": "text/html", "Content-Length": "175"}

    async def test_a_404_with_copied_headers_reads_as_with_the_original(self):
        with self.assertWarnsRegex(aiohttpretty.AioHTTPrettyWarning, "Content-Length: 175 is registered"):
            aiohttpretty.register_uri("GET", "http://gh.test/repos/x", status=404, headers=self.HEADERS)
        async with aiohttp.ClientSession() as session:
            async with session.get("http://gh.test/repos/x") as response:
                self.assertEqual(response.status, 404)
                self.assertEqual(response.headers["Content-Type"], "text/html")
                # What provider code does with it: a JSON error it handles.
                with self.assertRaises(aiohttp.ContentTypeError):
                    await response.json()

    async def test_the_newer_entry_points_keep_http_semantics(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with aiohttpretty.mocked() as mock:
                mock.register_uri("GET", "http://gh.test/repos/x", status=404, headers=self.HEADERS)
                async with aiohttp.ClientSession() as session:
                    async with session.get("http://gh.test/repos/x") as response:
                        with self.assertRaises(aiohttp.ClientPayloadError):
                            await response.read()


if __name__ == "__main__":
    unittest.main()

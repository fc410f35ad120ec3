"""Partial JSON and ANY, multipart uploads, catch-all routes and conditions
that give a reason, through aiohttp; each refusal names the failing condition."""

from __future__ import annotations

import aiohttp

import aiohttpretty
from aiohttpretty import ANY, FilePart, JsonLike, NoRouteMatched

URL = "http://api.test/items"


class PartialJsonTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_strict_false_allows_more_keys(self):
        self.register_json_uri("POST", URL, match_json=JsonLike({"user": {"id": 1}}, strict=False), body=1)
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, json={"user": {"id": 1, "name": "a"}, "extra": True}) as response:
                self.assertEqual(await response.json(), 1)
            with self.assertRaisesRegex(NoRouteMatched, r"match_json: .*at \$\.user\.id: expected 1, got 2"):
                await session.post(URL, json={"user": {"id": 2}})

    async def test_the_strict_keyword_of_match_json(self):
        self.register_json_uri("POST", URL, match_json={"user": {"id": 1}}, strict=False, body=1)
        aiohttpretty.register_json_uri("PUT", URL, match_json={"tags": ["a", "b"]}, strict=False, body=2)
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, json={"user": {"id": 1, "name": "a"}, "extra": True}) as response:
                self.assertEqual(await response.json(), 1)
            async with session.put(URL, json={"tags": ["a", "b"], "more": 1}) as response:
                self.assertEqual(await response.json(), 2)
            with self.assertRaisesRegex(NoRouteMatched, r"match_json: .*at \$\.user\.id: expected 1, got 2"):
                await session.post(URL, json={"user": {"id": 2}, "extra": True})
            with self.assertRaisesRegex(NoRouteMatched, r"at \$\.tags\[0\]: expected 'a', got 'b'"):
                await session.put(URL, json={"tags": ["b", "a"]})  # lists still in order

    def test_the_strict_keyword_is_checked(self):
        with self.assertRaisesRegex(TypeError, "strict must be True or False, got 'no'"):
            self.register_json_uri("POST", URL, match_json={}, strict="no")
        with self.assertRaisesRegex(
            ValueError, "strict=False tells how match_json compares; give match_json"
        ):
            self.register_json_uri("POST", URL, strict=False)
        with self.assertRaisesRegex(ValueError, "not both"):
            self.register_json_uri("POST", URL, match_json=JsonLike({}), strict=False)
        self.assertEqual(len(self.aiohttpretty.registry), 0)

    async def test_strict_by_default_names_the_unexpected_key(self):
        self.register_json_uri("POST", URL, match_json=JsonLike({"a": 1}), body=1)
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(NoRouteMatched, r"unexpected key\(s\) 'b'"):
                await session.post(URL, json={"a": 1, "b": 2})

    async def test_lists_in_order_unless_told_otherwise(self):
        self.register_uri("POST", URL, match_json=JsonLike([1, 2], ordered=False), body=b"any order")
        self.register_uri("PUT", URL, match_json=JsonLike([1, 2]), body=b"in order")
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, json=[2, 1]) as response:
                self.assertEqual(await response.read(), b"any order")
            with self.assertRaisesRegex(NoRouteMatched, r"at \$\[0\]: expected 1, got 2"):
                await session.put(URL, json=[2, 1])

    async def test_any_inside_json_headers_and_assertions(self):
        self.register_uri(
            "POST",
            URL,
            match_json={"id": ANY, "tags": [ANY, "b"]},
            match_headers={"X-Request-Id": ANY},
            body=b"ok",
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, json={"id": 7, "tags": ["a", "b"]}, headers={"X-Request-Id": "1"}):
                pass
            with self.assertRaisesRegex(NoRouteMatched, r"match_headers: expected X-Request-Id: present"):
                await session.post(URL, json={"id": 7, "tags": ["a", "b"]})
        self.assertCalled("POST", URL, json={"id": ANY, "tags": ANY}, headers={"X-Request-Id": ANY})
        self.assertCalled("POST", URL, json=JsonLike({"tags": ["a", ANY]}, strict=False))
        with self.assertRaises(AssertionError):
            self.assertCalled("POST", URL, headers={"X-Other": ANY})

    def test_json_like_checks_its_arguments(self):
        with self.assertRaisesRegex(TypeError, "strict must be True or False"):
            JsonLike({}, strict="no")
        with self.assertRaisesRegex(TypeError, "JSON-serialisable"):
            JsonLike({"a": object()})


class MultipartTest(aiohttpretty.AioHTTPrettyTestCase):
    def form(self, content: bytes = b"hello", filename: str = "a.txt") -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("title", "report")
        form.add_field("file", content, filename=filename, content_type="text/plain")
        return form

    async def test_fields_and_files_match(self):
        self.register_uri(
            "POST",
            URL,
            match_multipart={
                "title": "report",
                "file": FilePart(b"hello", filename="a.txt", content_type="text/plain"),
            },
            body=b"stored",
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, data=self.form()) as response:
                self.assertEqual(await response.read(), b"stored")
            with self.assertRaisesRegex(NoRouteMatched, r"match_multipart: field 'file': filename expected"):
                await session.post(URL, data=self.form(filename="b.txt"))
            with self.assertRaisesRegex(NoRouteMatched, r"match_multipart: field 'file': content expected"):
                await session.post(URL, data=self.form(content=b"other"))
            with self.assertRaisesRegex(NoRouteMatched, r"match_multipart: the body is not multipart"):
                await session.post(URL, json={"title": "report"})
        self.assertCalled("POST", URL, multipart={"file": FilePart(filename="a.txt"), "title": ANY})
        with self.assertRaisesRegex(AssertionError, "no field 'other'"):
            self.assertCalled("POST", URL, multipart={"other": ANY})

    async def test_a_missing_field_is_named(self):
        self.register_uri("POST", URL, match_multipart={"token": "x"})
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(NoRouteMatched, r"no field 'token' \(fields sent: 'title', 'file'\)"):
                await session.post(URL, data=self.form())

    def test_refused_at_registration(self):
        with self.assertRaisesRegex(TypeError, "match_multipart must be a non-empty mapping"):
            self.register_uri("POST", URL, match_multipart=["title"])
        with self.assertRaisesRegex(TypeError, "FilePart: content must be"):
            FilePart(3)


class CatchAllTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_everything_else_on_the_host_answers_404(self):
        self.register_uri("GET", "http://api.test/v1/users", body=b"users")
        catch_all = self.register_uri("*", "http://api.test/", prefix=True, status=404)
        async with aiohttp.ClientSession() as session:
            async with session.get("http://api.test/v1/users") as response:
                self.assertEqual(await response.read(), b"users")
            for method, path in (("DELETE", "/v1/users"), ("GET", "/x/y?q=1"), ("PATCH", "/")):
                async with session.request(method, "http://api.test" + path) as response:
                    self.assertEqual(response.status, 404)
            with self.assertRaisesRegex(NoRouteMatched, r"url is not under the prefix http://api\.test/"):
                await session.get("http://other.test/")
        self.assertEqual(catch_all.call_count, 3)

    async def test_a_path_prefix_stops_at_a_segment(self):
        self.register_uri("GET", "http://api.test/v1", prefix=True, body=b"v1")
        async with aiohttp.ClientSession() as session:
            for path in ("/v1", "/v1/", "/v1/a/b"):
                async with session.get("http://api.test" + path) as response:
                    self.assertEqual(await response.read(), b"v1")
            with self.assertRaisesRegex(NoRouteMatched, "not under the prefix"):
                await session.get("http://api.test/v10")
            with self.assertRaisesRegex(NoRouteMatched, "method GET != POST"):
                await session.post("http://api.test/v1/a")

    async def test_any_method_on_one_url(self):
        self.register_uri("*", URL, body=b"any")
        async with aiohttp.ClientSession() as session:
            for method in ("GET", "PUT", "PROPFIND"):
                async with session.request(method, URL) as response:
                    self.assertEqual(await response.read(), b"any")

    def test_prefix_refuses_a_query_and_a_pattern(self):
        with self.assertRaisesRegex(ValueError, "prefix route answers any query"):
            self.register_uri("GET", "http://api.test/?a=1", prefix=True)
        import re

        with self.assertRaisesRegex(ValueError, "do not apply to a pattern"):
            self.register_uri("GET", re.compile("http://api"), prefix=True)


class ReasonConditionTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_the_reason_is_in_the_no_match_message(self):
        def small(call: aiohttpretty.Call) -> str | None:
            return None if len(call.body) < 5 else f"body of {len(call.body)} bytes is too big"

        self.register_uri("POST", URL, conditions=[small], body=b"ok")
        async with aiohttp.ClientSession() as session:
            async with session.post(URL, data=b"abc") as response:
                self.assertEqual(await response.read(), b"ok")
            with self.assertRaisesRegex(NoRouteMatched, r"small: body of 9 bytes is too big"):
                await session.post(URL, data=b"123456789")

    async def test_a_condition_returning_a_non_str_is_a_mistake(self):
        self.register_uri("GET", URL, conditions=[lambda call: False])
        async with aiohttp.ClientSession() as session:
            with self.assertRaisesRegex(TypeError, "return None when it holds, else a reason str"):
                await session.get(URL)

    def test_conditions_must_be_a_list_of_callables(self):
        with self.assertRaisesRegex(TypeError, "conditions must be a list"):
            self.register_uri("GET", URL, conditions=lambda call: None)
        with self.assertRaisesRegex(TypeError, "each of conditions must be a callable"):
            self.register_uri("GET", URL, conditions=["x"])


class ProxyTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_match_on_the_proxy_a_request_goes_through(self):
        self.register_uri("GET", URL, match_proxy="http://proxy.test:3128", body=b"via proxy")
        self.register_uri("GET", "https://api.test/secure", match_proxy=ANY, body=b"any proxy")
        async with aiohttp.ClientSession() as session:
            async with session.get(URL, proxy="http://proxy.test:3128") as response:
                self.assertEqual(await response.read(), b"via proxy")
            async with session.get("https://api.test/secure", proxy="http://other.test:8080") as response:
                self.assertEqual(await response.read(), b"any proxy")
            with self.assertRaisesRegex(
                NoRouteMatched, r"match_proxy: expected http://proxy\.test:3128, got a direct"
            ):
                await session.get(URL)
            with self.assertRaisesRegex(NoRouteMatched, r"got the proxy http://other\.test:8080"):
                await session.get(URL, proxy="http://other.test:8080")
        self.assertEqual(str(self.calls[0].proxy), "http://proxy.test:3128")
        self.assertEqual(str(self.calls[1].proxy), "http://other.test:8080")
        self.assertCalled("GET", URL, proxy="http://proxy.test:3128")
        self.assertEqual(len(self.get_calls(proxy=ANY)), 2)
        with self.assertRaisesRegex(AssertionError, "proxy http://other.test:8080"):
            self.assertCalled("GET", "https://api.test/secure", proxy="http://proxy.test:3128")

    def test_match_proxy_is_checked(self):
        with self.assertRaisesRegex(ValueError, "match_proxy must be an absolute URL"):
            self.register_uri("GET", URL, match_proxy="proxy.test")


class AnyQueryValueTest(aiohttpretty.AioHTTPrettyTestCase):
    async def test_any_value_of_a_query_key(self):
        self.register_uri("GET", URL, params={"q": "tea", "page": ANY}, body=b"page")
        async with aiohttp.ClientSession() as session:
            for page in ("1", "7"):
                async with session.get(URL, params={"q": "tea", "page": page}) as response:
                    self.assertEqual(await response.read(), b"page")
            with self.assertRaisesRegex(NoRouteMatched, "query missing page=ANY"):
                await session.get(URL, params={"q": "tea"})
            with self.assertRaisesRegex(NoRouteMatched, "query unexpected x=1"):
                await session.get(URL, params={"q": "tea", "page": "2", "x": "1"})
        self.assertCallCount("GET", URL, 2, params={"q": "tea", "page": ANY})
        self.assertNotCalled("GET", URL, params={"page": ANY, "other": ANY})

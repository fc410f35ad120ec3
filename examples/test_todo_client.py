"""Tests of the todo client, written with aiohttpretty.AioHTTPrettyTestCase.

Run them with ``python -m unittest discover examples``.
"""

import aiohttp
from todo_client import Todo, TodoClient

import aiohttpretty

API = "http://todo.test/api/"


class TodoClientTest(aiohttpretty.AioHTTPrettyTestCase):
    assert_all_called = True  # every route registered here must be requested

    def setUp(self) -> None:
        super().setUp()
        self.client = TodoClient(API, token="s3cret")

    async def test_list_todos_follows_pages(self):
        self.register_json_uri(
            "GET",
            API + "todos",
            body={"items": [{"id": 1, "title": "write tests"}], "next": API + "todos?page=2"},
        )
        self.register_json_uri(
            "GET",
            API + "todos",
            params={"page": 2},
            body={"items": [{"id": 2, "title": "ship", "done": True}]},
        )

        todos = await self.client.list_todos()

        self.assertEqual(todos, [Todo(1, "write tests"), Todo(2, "ship", True)])
        self.assertCallCount("GET", API + "todos", 2, check_params=False)
        self.assertCalled("GET", API + "todos", headers={"Authorization": "Bearer s3cret"})

    async def test_filter_is_sent_as_query(self):
        self.register_json_uri("GET", API + "todos", params={"done": "false"}, body={"items": []})

        self.assertEqual(await self.client.list_todos(done=False), [])
        self.assertCalled("GET", API + "todos?done=false")

    async def test_create_sends_json_and_returns_the_stored_todo(self):
        self.register_json_uri("POST", API + "todos", status=201, body={"id": 7, "title": "buy milk"})

        todo = await self.client.create_todo("buy milk")

        self.assertEqual(todo, Todo(7, "buy milk"))
        self.assertCalled("POST", API + "todos", json={"title": "buy milk"})

    async def test_503_is_retried(self):
        self.register_json_uri(
            "GET",
            API + "todos",
            responses=[{"status": 503, "body": {"error": "busy"}}, {"status": 503}, {"body": {"items": []}}],
        )

        self.assertEqual(await self.client.list_todos(), [])
        self.assertCallCount("GET", API + "todos", 3)

    async def test_gives_up_after_the_retries(self):
        self.register_uri("GET", API + "todos", status=503, reason="Service Unavailable")

        with self.assertRaises(aiohttp.ClientResponseError) as caught:
            await self.client.list_todos()

        self.assertEqual(caught.exception.status, 503)
        self.assertCallCount("GET", API + "todos", 4)

    async def test_server_error_is_not_retried(self):
        self.register_uri("POST", API + "todos", status=500)

        with self.assertRaises(aiohttp.ClientResponseError):
            await self.client.create_todo("x")
        self.assertCallCount("POST", API + "todos", 1)

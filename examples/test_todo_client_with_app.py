"""The todo client tested against a fake of the API written as an
``aiohttp.web`` application, served in memory by ``register_app``: the client
keeps its production URL and no port is opened.

Run them with ``python -m unittest discover examples``.
"""

import aiohttp
from fake_todo_api import make_app
from todo_client import Todo, TodoClient

import aiohttpretty

API = "https://todo.example.com/api/"


class TodoClientAgainstTheFakeTest(aiohttpretty.AioHTTPrettyTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.register_app("https://todo.example.com", make_app(token="s3cret"))
        self.client = TodoClient(API, token="s3cret")

    async def test_created_todos_are_listed_across_pages(self):
        for title in ("write tests", "run them", "ship"):
            await self.client.create_todo(title)
        todos = await self.client.list_todos()
        self.assertEqual([todo.title for todo in todos], ["write tests", "run them", "ship"])
        self.assertEqual(todos[0], Todo(1, "write tests"))
        # Requests the app served are recorded like any other.
        self.assertCalled("GET", API + "todos", params={"page": 2})
        self.assertCallCount("POST", API + "todos", 3)

    async def test_a_wrong_token_is_refused_by_the_fake(self):
        with self.assertRaises(aiohttp.ClientResponseError) as caught:
            await TodoClient(API, token="wrong").list_todos()
        self.assertEqual(caught.exception.status, 401)

    async def test_a_route_overrides_one_endpoint_of_the_fake(self):
        # The service is overloaded once: a route under the app's origin wins.
        self.register_uri("POST", API + "todos", status=503, times=1)
        todo = await TodoClient(API, token="s3cret", retries=1).create_todo("retry me")
        self.assertEqual(todo, Todo(1, "retry me"))
        self.assertCallCount("POST", API + "todos", 2)

"""A small JSON REST API client: the kind of code aiohttpretty is for.

It lists todos page by page (following the ``next`` link of each page),
creates todos, and retries a request that got ``503 Service Unavailable``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL


@dataclass
class Todo:
    id: int
    title: str
    done: bool = False


class TodoClient:
    """Client of the todo API at ``base_url`` (ending in a slash)."""

    def __init__(self, base_url: str, token: str, retries: int = 3, backoff: float = 0.0) -> None:
        self.base_url = URL(base_url)
        self.token = token
        self.retries = retries
        self.backoff = backoff

    def _session(self) -> aiohttp.ClientSession:
        # Not ClientSession(base_url=...): aiohttp 3.9 refuses a base_url with a path.
        return aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {self.token}"},
            raise_for_status=False,
        )

    async def _request(self, session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            async with session.request(method, self.base_url.join(URL(url)), **kwargs) as response:
                if response.status == 503 and attempt < self.retries:
                    await asyncio.sleep(self.backoff * 2**attempt)
                    continue
                response.raise_for_status()
                return await response.json()
        raise AssertionError("unreachable")

    async def list_todos(self, done: bool | None = None) -> list[Todo]:
        """Every todo, following the pagination links."""
        params = {} if done is None else {"done": "true" if done else "false"}
        todos: list[Todo] = []
        url: str | None = "todos"
        async with self._session() as session:
            while url is not None:
                page = await self._request(session, "GET", url, params=params)
                todos.extend(Todo(**item) for item in page["items"])
                url = page.get("next")
                params = {}
        return todos

    async def create_todo(self, title: str) -> Todo:
        """Create a todo and return it as the server stored it."""
        async with self._session() as session:
            data = await self._request(session, "POST", "todos", json={"title": title})
        return Todo(**data)

"""A fake of the todo API, written as an ``aiohttp.web`` application: the
kind of fake a project keeps next to its client, to test against a service
that behaves (pagination, validation, authentication) rather than against
canned responses."""

from __future__ import annotations

from typing import Any

from aiohttp import web

PAGE_SIZE = 2


def make_app(token: str) -> web.Application:
    """The todo API, answering requests that carry ``Bearer <token>``."""
    todos: list[dict[str, Any]] = []

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {token}":
            raise web.HTTPUnauthorized()
        return await handler(request)

    async def list_todos(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        start = (page - 1) * PAGE_SIZE
        items = todos[start : start + PAGE_SIZE]
        more = start + PAGE_SIZE < len(todos)
        next_url = str(request.url.with_query(page=page + 1)) if more else None
        return web.json_response({"items": items, "next": next_url})

    async def create_todo(request: web.Request) -> web.Response:
        data = await request.json()
        if not data.get("title"):
            raise web.HTTPUnprocessableEntity(text="a todo needs a title")
        todo = {"id": len(todos) + 1, "title": data["title"], "done": False}
        todos.append(todo)
        return web.json_response(todo, status=201)

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/api/todos", list_todos)
    app.router.add_post("/api/todos", create_todo)
    return app

"""Registration: the options of ``register_uri`` checked and turned into a
:class:`~.routes.Route`, all of them before anything is registered."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from ._urls import normalise_method, normalise_url
from .errors import UnknownOptionWarning, warn
from .matchers import CONDITION_OPTIONS, build_conditions
from .responses import RESPONSE_OPTIONS, Reply, ResponseSpec, json_response_body, with_json_content_type
from .routes import Route

__all__ = ["REGISTER_OPTIONS", "REPLY_OPTIONS", "build_route", "known_options"]

#: The options of one response, also allowed inside ``responses=[...]``.
REPLY_OPTIONS = (*RESPONSE_OPTIONS, "exception", "delay")
#: Every option ``register_uri`` and ``register_json_uri`` take.
REGISTER_OPTIONS = (
    "params",
    "responses",
    *REPLY_OPTIONS,
    "callback",
    "times",
    *CONDITION_OPTIONS,
    "match_params_partial",
)


def build_route(method: str, uri: Any, options: dict[str, Any], *, json: bool, original: bool) -> Route:
    """The route ``register_uri(method, uri, **options)`` registers.

    The newer entry points (``original=False``: the test case, the pytest
    fixture, ``mocked()``, a user's ``AioHTTPretty()``) answer like a server:
    the status's standard reason phrase and ``Content-Length`` when the body's
    length is known, and an unknown option is a :class:`TypeError`.  The
    module-level functions of the original API (``original=True``) keep the
    original's defaults, ``''`` and the registered headers alone, and ignore
    an unknown option with an :class:`UnknownOptionWarning`.  Explicit
    ``reason`` and ``auto_length`` win in both.
    """
    strict = not original
    options = known_options(options, REGISTER_OPTIONS, strict=strict)
    method = normalise_method(method)
    params = options.pop("params", None)
    partial = options.pop("match_params_partial", False)
    if not isinstance(partial, bool):
        raise TypeError(f"match_params_partial must be True or False, got {partial!r}")
    url: URL | re.Pattern[str]
    if isinstance(uri, re.Pattern):
        if params is not None or partial:
            raise ValueError("params and match_params_partial do not apply to a pattern uri")
        url = uri
    else:
        url = normalise_url(uri, params)
    conditions = build_conditions(options)
    callback = options.pop("callback", None)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function taking the request, got {callback!r}")
    times = _times(options.pop("times", None))
    responses = options.pop("responses", None)
    if responses is None:
        replies = [_reply(options, json=json, top_level=True, like_server=strict)]
    else:
        if options:
            raise ValueError(
                f"give the response options {sorted(options)} inside each entry of "
                f"responses=[...], not beside it"
            )
        if callback is not None:
            raise ValueError("callback and responses cannot be combined: the callback computes each response")
        if isinstance(responses, (str, bytes)) or not isinstance(responses, (list, tuple)):
            raise TypeError(f"responses must be a list of dicts, got {type(responses).__name__}")
        replies = []
        for number, entry in enumerate(responses):
            if not isinstance(entry, Mapping):
                raise TypeError(f"responses[{number}] must be a dict of response options, got {entry!r}")
            if "params" in entry:
                raise ValueError(
                    "params cannot be given inside responses: register each query "
                    "string with its own register_uri call"
                )
            entry = known_options(dict(entry), REPLY_OPTIONS, strict=strict)
            replies.append(_reply(entry, json=json, top_level=False, like_server=strict))
    return Route(
        method,
        url,
        replies,
        repeat=responses is None,
        conditions=conditions,
        partial_query=partial,
        callback=callback,
        times=times,
    )


def known_options(options: dict[str, Any], known: tuple[str, ...], *, strict: bool) -> dict[str, Any]:
    """``options`` without the unknown ones (a warning), or a :class:`TypeError`
    naming them with the closest valid names."""
    unknown = [name for name in options if name not in known]
    if not unknown:
        return options
    messages = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        messages.append(f"unknown option {name!r}{hint}")
    text = "; ".join(messages) + f". Valid options: {', '.join(known)}."
    if strict:
        raise TypeError(text)
    warn(UnknownOptionWarning(text + " It is ignored."))
    return {name: value for name, value in options.items() if name in known}


def _times(times: Any) -> int | None:
    if times is None:
        return None
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"times must be an int, got {type(times).__name__}: {times!r}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    return times


def _reply(options: dict[str, Any], *, json: bool, top_level: bool, like_server: bool) -> Reply:
    exception = options.pop("exception", None)
    delay = options.pop("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"delay must be a number of seconds, got {type(delay).__name__}: {delay!r}")
    if not math.isfinite(delay) or delay < 0:
        raise ValueError(f"delay must be a finite number of seconds >= 0, got {delay}")
    if exception is not None:
        _check_exception(exception)
    return Reply(
        _spec(options, json=json, top_level=top_level, like_server=like_server), exception, float(delay)
    )


def _check_exception(exception: Any) -> None:
    if isinstance(exception, BaseException):
        return
    if not (isinstance(exception, type) and issubclass(exception, BaseException)):
        raise TypeError(
            f"exception must be an exception instance or class, e.g. aiohttp.ServerDisconnectedError(), "
            f"got {exception!r}"
        )
    if not issubclass(exception, aiohttp.ClientConnectorError):
        try:
            exception()
        except Exception:
            raise TypeError(
                f"exception class {exception.__name__} cannot be created without arguments: "
                f"pass an instance instead"
            ) from None


def _spec(options: dict[str, Any], *, json: bool, top_level: bool, like_server: bool) -> ResponseSpec:
    if not json:
        return ResponseSpec(**options, like_server=like_server)
    if top_level:
        return ResponseSpec.json(**options, like_server=like_server)
    options["headers"] = with_json_content_type(options.get("headers"))
    if "body" in options:
        options["body"] = json_response_body(options["body"])
    return ResponseSpec(**options, like_server=like_server)

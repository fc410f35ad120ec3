"""Registration: the options of ``register_uri`` checked and turned into a
:class:`~.routes.Route`, all of them before anything is registered."""

from __future__ import annotations

import asyncio
import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from ._json_match import JsonLike
from ._urls import normalise_method, normalise_url
from .errors import AioHTTPrettyWarning, UnknownOptionWarning, warn
from .faults import Fault
from .matchers import CONDITION_OPTIONS, build_conditions, split_any_params
from .responses import (
    RESPONSE_OPTIONS,
    Reply,
    ResponseSpec,
    check_body,
    json_response_body,
    with_body_helpers,
    with_json_content_type,
)
from .routes import Route

__all__ = ["REGISTER_OPTIONS", "REPLY_OPTIONS", "build_route", "known_options", "route_name", "route_times"]

#: The options of one response, also allowed inside ``responses=[...]``.
REPLY_OPTIONS = (*RESPONSE_OPTIONS, "text", "html", "cookies", "exception", "delay", "fault")
#: Every option ``register_uri`` and ``register_json_uri`` take.
REGISTER_OPTIONS = (
    "params",
    "responses",
    *REPLY_OPTIONS,
    "callback",
    "times",
    *CONDITION_OPTIONS,
    "strict",
    "match_params_partial",
    "prefix",
    "optional",
    "name",
    "passthrough",
)


def build_route(method: str, uri: Any, options: dict[str, Any], *, json: bool, original: bool) -> Route:
    """The route ``register_uri(method, uri, **options)`` registers.

    ``original``: registered through the original API (the module-level
    functions), which forgives what the original forgave, with a warning: an
    unknown option, a URL without a scheme, response options beside
    ``responses=[...]``, a ``Content-Length`` that does not fit the body.  The
    newer entry points raise instead, or keep HTTP's meaning.

    The defaults differ too: the newer entry points (the test case, the pytest
    fixture, ``mocked()``, a user's ``AioHTTPretty()``) answer like a server,
    with the status's standard reason phrase and ``Content-Length`` when the
    body's length is known; the original API keeps the original's, ``''`` and
    the registered headers alone.  Explicit ``reason`` and ``auto_length`` win
    in both.
    """
    strict = not original
    options = known_options(options, REGISTER_OPTIONS, strict=strict)
    method = normalise_method(method)
    params = options.pop("params", None)
    partial = options.pop("match_params_partial", False)
    prefix = options.pop("prefix", False)
    optional = options.pop("optional", False)
    passthrough = options.pop("passthrough", False)
    flags = {
        "match_params_partial": partial,
        "prefix": prefix,
        "optional": optional,
        "passthrough": passthrough,
    }
    for flag, value in flags.items():
        if not isinstance(value, bool):
            raise TypeError(f"{flag} must be True or False, got {value!r}")
    name = route_name(options.pop("name", None))
    params, any_params = split_any_params(params, exact=not partial)
    if any_params is not None:
        partial = True  # the keys with ANY values are checked by any_params
    url: URL | re.Pattern[str]
    schemeless = original and isinstance(uri, str) and "://" not in uri and not uri.startswith("/")
    if isinstance(uri, re.Pattern):
        if not isinstance(uri.pattern, str):
            raise TypeError(
                f"a URL pattern must be a str pattern, got the bytes pattern {uri.pattern!r}: "
                f"requested URLs are matched as text; use re.compile({uri.pattern.decode('latin-1')!r})"
            )
        if params is not None or partial or prefix:
            raise ValueError("params, match_params_partial and prefix do not apply to a pattern uri")
        url = uri
    elif schemeless:
        # The original answered a request for the same string before aiohttp saw it.
        url = normalise_url("http://" + uri, params)
    else:
        url = normalise_url(uri, params)
    if prefix and (partial or (isinstance(url, URL) and url.query_string)):
        raise ValueError("a prefix route answers any query: give neither a query nor match_params_partial")
    _loosen_json(options)
    conditions = build_conditions(options)
    if any_params is not None:
        conditions.insert(0, any_params)
    callback = options.pop("callback", None)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function taking the request, got {callback!r}")
    times = route_times(options.pop("times", None))
    responses = options.pop("responses", None)
    if responses is None:
        replies = [_reply(options, json=json, top_level=True, original=original)]
    else:
        if options and strict:
            raise ValueError(
                f"give the response options {sorted(options)} inside each entry of "
                f"responses=[...], not beside it"
            )
        if options:
            warn(
                AioHTTPrettyWarning(
                    f"the response options {sorted(options)} beside responses=[...] are ignored, as the "
                    f"original aiohttpretty ignored them; give them inside each entry of responses=[...]"
                )
            )
            options = {}
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
            replies.append(_reply(entry, json=json, top_level=False, original=original))
    if original and method != "HEAD":
        replies = [_with_fitting_length(reply) for reply in replies]
    return Route(
        method,
        url,
        replies,
        repeat=responses is None,
        conditions=conditions,
        partial_query=partial,
        callback=callback,
        times=times,
        schemeless=schemeless,
        prefix=prefix,
        optional=optional,
        name=name,
        passthrough=passthrough,
    )


def _with_fitting_length(reply: Reply) -> Reply:
    """The original never framed a response by its registered headers: a
    ``Content-Length`` copied from a real response, beside another body, is
    sent as the length of the body registered (with a warning), so the
    response reads as it did there instead of breaking."""
    spec = reply.spec
    length = spec.framing.content_length
    if length is None or spec.auto_length or spec.bodiless or not isinstance(spec.body, bytes):
        return reply
    if length == str(len(spec.body)):
        return reply
    warn(
        AioHTTPrettyWarning(
            f"Content-Length: {length} is registered for a body of {len(spec.body)} bytes; it is sent as "
            f"Content-Length: {len(spec.body)}, as the original aiohttpretty never framed responses by "
            f"their registered headers (a real server's response would be broken)"
        )
    )
    headers = [(n, str(len(spec.body)) if n.lower() == "content-length" else v) for n, v in spec.headers]
    fitted = ResponseSpec(
        spec.status, spec.reason, headers, spec.body, spec.auto_length, like_server=spec.like_server
    )
    return Reply(fitted, reply.exception, reply.delay, reply.fault)


def _loosen_json(options: dict[str, Any]) -> None:
    """``strict=False``: ``match_json`` lets the request's objects hold more
    keys than expected (``JsonLike(expected, strict=False)``)."""
    if "strict" not in options:
        return
    strict = options.pop("strict")
    if not isinstance(strict, bool):
        raise TypeError(f"strict must be True or False, got {strict!r}")
    if strict:
        return
    if "match_json" not in options:
        raise ValueError("strict=False tells how match_json compares; give match_json too")
    expected = options["match_json"]
    if isinstance(expected, JsonLike):
        raise ValueError(
            "give strict=False to JsonLike(...) or to register_uri, not both: "
            f"match_json is already {expected!r}"
        )
    options["match_json"] = JsonLike(expected, strict=False)


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


def route_name(name: Any) -> str | None:
    """A route's ``name=``, checked."""
    if name is not None and not (isinstance(name, str) and name):
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    return name


def route_times(times: Any) -> int | None:
    """A route's ``times=``, checked."""
    if times is None:
        return None
    if isinstance(times, bool) or not isinstance(times, int):
        raise TypeError(f"times must be an int, got {type(times).__name__}: {times!r}")
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    return times


def _reply(options: dict[str, Any], *, json: bool, top_level: bool, original: bool) -> Reply:
    exception = options.pop("exception", None)
    delay = options.pop("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        raise TypeError(f"delay must be a number of seconds, got {type(delay).__name__}: {delay!r}")
    if not math.isfinite(delay) or delay < 0:
        raise ValueError(f"delay must be a finite number of seconds >= 0, got {delay}")
    if exception is not None:
        _check_exception(exception)
    fault = options.pop("fault", None)
    if fault is not None and not isinstance(fault, Fault):
        raise TypeError(
            f"fault must be one of aiohttpretty.faults (close_after(n), pause(seconds), short_body(extra), "
            f"reset_in_head()), got {fault!r}"
        )
    options = with_body_helpers(options)
    if not original and not json:
        check_body(options.get("body"))
    return Reply(
        _spec(options, json=json, top_level=top_level, like_server=not original),
        exception,
        float(delay),
        fault,
    )


def _check_exception(exception: Any) -> None:
    given_instance = isinstance(exception, BaseException)
    if given_instance:
        exception = type(exception)
    if not (isinstance(exception, type) and issubclass(exception, BaseException)):
        raise TypeError(
            f"exception must be an exception instance or class, e.g. aiohttp.ServerDisconnectedError(), "
            f"got {exception!r}"
        )
    if issubclass(exception, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
        raise TypeError(
            f"exception {exception.__name__} would not fail the request but stop the code under test "
            f"(a cancelled request hangs until the client's timeout); to simulate a timeout use "
            f"exception=asyncio.TimeoutError or delay= with a client timeout"
        )
    if not given_instance and not issubclass(exception, aiohttp.ClientConnectorError):
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

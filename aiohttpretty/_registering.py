"""The signatures of ``register_uri`` and ``register_json_uri``: every option
as a typed keyword parameter, the options a call gave handed to the mock's
``_register`` (see :mod:`._options` for what each means)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from yarl import URL

from ._urls import URI
from .faults import Fault
from .matchers import NOT_GIVEN, Condition
from .records import Call
from .routes import Route

__all__ = ["Registering", "URIPattern"]

#: What ``register_uri`` takes as a URI: a URL, or a compiled pattern matched
#: against the whole requested URL.
URIPattern = Union[URI, "re.Pattern[str]"]


class Registering:
    """``register_uri`` and ``register_json_uri`` of a mock."""

    def _register(self, method: str, uri: Any, options: dict[str, Any], *, json: bool) -> Route:
        raise NotImplementedError

    def register_uri(
        self,
        /,
        method: str,
        uri: URIPattern,
        *,
        params: Any = None,
        status: int = 200,
        reason: str | None = None,
        headers: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        auto_length: bool | None = None,
        responses: Sequence[Mapping[str, Any]] | None = None,
        exception: BaseException | type[BaseException] | None = None,
        delay: float = 0,
        callback: Callable[[Call], Any] | None = None,
        times: int | None = None,
        match_headers: Mapping[str, Any] | None = None,
        match_json: Any = NOT_GIVEN,
        strict: bool = True,
        match_data: Any = None,
        match: Callable[[Call], Any] | None = None,
        match_params_partial: bool = False,
        match_multipart: Mapping[str, Any] | None = None,
        match_proxy: str | URL | None = None,
        conditions: Sequence[Condition] | None = None,
        prefix: bool = False,
        optional: bool = False,
        name: str | None = None,
        text: str | None = None,
        html: str | None = None,
        cookies: Mapping[str, Any] | None = None,
        fault: Fault | None = None,
        passthrough: bool = False,
        **unknown: Any,
    ) -> Route:
        """Register the response for ``method uri``; every option is described
        in :ref:`options`.

        ``uri`` is a URL (a ``str``, a :class:`yarl.URL`, or an object whose
        ``str()`` is one) or a compiled regular expression.  An unknown option
        name raises :class:`TypeError` naming the closest valid one (the
        module-level :func:`aiohttpretty.register_uri` warns instead, as the
        original did).  A failed registration registers nothing.
        """
        return self._register(method, uri, _given(locals()), json=False)

    def register_json_uri(
        self,
        /,
        method: str,
        uri: URIPattern,
        *,
        params: Any = None,
        status: int = 200,
        reason: str | None = None,
        headers: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        auto_length: bool | None = None,
        responses: Sequence[Mapping[str, Any]] | None = None,
        exception: BaseException | type[BaseException] | None = None,
        delay: float = 0,
        callback: Callable[[Call], Any] | None = None,
        times: int | None = None,
        match_headers: Mapping[str, Any] | None = None,
        match_json: Any = NOT_GIVEN,
        strict: bool = True,
        match_data: Any = None,
        match: Callable[[Call], Any] | None = None,
        match_params_partial: bool = False,
        match_multipart: Mapping[str, Any] | None = None,
        match_proxy: str | URL | None = None,
        conditions: Sequence[Condition] | None = None,
        prefix: bool = False,
        optional: bool = False,
        name: str | None = None,
        text: str | None = None,
        html: str | None = None,
        cookies: Mapping[str, Any] | None = None,
        fault: Fault | None = None,
        passthrough: bool = False,
        **unknown: Any,
    ) -> Route:
        """Like :meth:`register_uri`, with ``body`` JSON-encoded and
        ``Content-Type: application/json`` unless ``headers`` gives another."""
        return self._register(method, uri, _given(locals()), json=True)


_SIGNATURE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(Registering.register_uri).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The options of a ``register_uri`` call that were given: those not at
    their default, and the unknown ones (to be warned about or refused)."""
    options = {
        name: value
        for name, default in _SIGNATURE_DEFAULTS.items()
        if not _is_default(value := arguments[name], default)
    }
    options.update(arguments["unknown"])
    return options


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)

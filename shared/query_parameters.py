"""Unknown query parameters are a 422, never silently ignored.

A typo in a filter (``?grades=A`` for ``?grade=A``) used to answer the whole unfiltered
list, which looks right and is wrong. Every service installs :func:`refuse_unknown_query`
as an app-wide dependency: it compares the request's query keys with the parameters the
matched operation declares (its own and those of every dependency it uses, the same set the
contract documents) and refuses the others with the ordinary validation problem.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

UNKNOWN_PARAMETER = "unknown_query_parameter"
API_PREFIX = "/v1/"

_declared_by_route: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_names(sub_dependant)
    return names


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` reads (cached: routes live as long as the app)."""
    names = _declared_by_route.get(id(route))
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _declared_by_route[id(route)] = names
    return names


async def refuse_unknown_query(request: Request) -> None:
    """422 (``unknown_query_parameter``, one field error per name) for a query key the
    matched operation does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    if not route.path.startswith(API_PREFIX):
        return  # probes, metrics and the docs pages are not the API (a `?v=2` is harmless)
    declared = declared_query_parameters(route)
    unknown = sorted({key for key in request.query_params if key not in declared})
    if unknown:
        accepted = f"; this operation takes: {', '.join(sorted(declared))}" if declared else ""
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter{accepted}",
                    "type": UNKNOWN_PARAMETER,
                }
                for name in unknown
            ]
        )

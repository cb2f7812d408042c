"""The routes of an app, flattened through its included routers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute of ``app`` with its full path, through included routers.

    FastAPI 0.16x keeps included routers as lazy entries in ``app.routes``; its own
    iterator flattens them (private, hence the fallback).
    """
    try:
        from fastapi.routing import _iter_included_route_candidates

        routes = list(_iter_included_route_candidates(app.routes))
    except ImportError:  # pragma: no cover - older FastAPI: routes are already flat
        routes = list(app.routes)
    return [route for route in routes if isinstance(route, APIRoute)]

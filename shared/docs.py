"""Swagger UI and ReDoc served from our own origin (no CDN: company networks are closed).

The assets ship inside the ``fastapi-offline`` wheel (swagger-ui-dist 5, which renders
OpenAPI 3.1); we serve them with our own static route.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_PREFIX = "/docs-static"


def _assets_dir() -> Path:
    return Path(str(resources.files("fastapi_offline"))) / "static"


def install_offline_docs(app: FastAPI, *, title: str, openapi_url: str = "/openapi.json") -> None:
    """Add ``/docs``, ``/redoc``, the favicon and the static assets to ``app``."""
    assets = _assets_dir()
    app.mount(STATIC_PREFIX, StaticFiles(directory=assets), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} – Swagger UI",
            swagger_js_url=f"{STATIC_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PREFIX}/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            swagger_ui_parameters={
                "persistAuthorization": True,
                "displayRequestDuration": True,
                "filter": True,
                "tryItOutEnabled": False,
            },
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} – ReDoc",
            redoc_js_url=f"{STATIC_PREFIX}/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(assets / "favicon.png", media_type="image/png")

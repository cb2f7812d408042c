"""Swagger UI and ReDoc served from our own origin (no CDN: company networks are closed).

The assets ship inside the ``fastapi-offline`` wheel (swagger-ui-dist 5, which renders
OpenAPI 3.1); we serve them with our own static route.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from shared.problem_examples import document_error_examples

STATIC_PREFIX = "/docs-static"
# The pages may load nothing from elsewhere: ReDoc's sidebar, for one, asks a CDN for its
# logo, which a closed network never answers. Try it out may call the configured server.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src *"
)


def _assets_dir() -> Path:
    return Path(str(resources.files("fastapi_offline"))) / "static"


def install_offline_docs(app: FastAPI, *, title: str, openapi_url: str = "/openapi.json") -> None:
    """Add ``/docs``, ``/redoc``, the favicon and the static assets to ``app``."""
    assets = _assets_dir()
    app.mount(STATIC_PREFIX, StaticFiles(directory=assets), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
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
                "validatorUrl": None,
            },
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} – ReDoc",
            redoc_js_url=f"{STATIC_PREFIX}/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(assets / "favicon.png", media_type="image/png")


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ERROR_MEDIA_TYPE = "application/problem+json"


def problem_answer(description: str) -> dict[str, Any]:
    """An OpenAPI response object: a problem+json document and nothing else."""
    return {"description": description, "content": {ERROR_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def _policy_text(policy: dict[str, Any]) -> str:
    if policy.get("public"):
        return f"**Who may call:** anyone ({policy.get('why', 'public')})."
    callers = [f"`{role}`" for role in policy.get("roles", [])]
    callers += [f"scope `{scope}`" for scope in policy.get("scopes", [])]
    if policy.get("services"):
        callers.append("other services")
    return "**Who may call:** " + (", ".join(callers) or "any signed-in user") + "."


def _referenced_schemas(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _referenced_schemas(value, found)
    elif isinstance(node, list):
        for item in node:
            _referenced_schemas(item, found)


def _drop_unreferenced(document: dict[str, Any], names: tuple[str, ...]) -> None:
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for name in names:
        if name not in schemas:
            continue
        rest = {key: value for key, value in document.items() if key != "components"}
        others = {key: value for key, value in schemas.items() if key != name}
        used: set[str] = set()
        _referenced_schemas([rest, others], used)
        if name not in used:
            del schemas[name]


def finish_contract(document: dict[str, Any]) -> dict[str, Any]:
    """Make every error answer of ``document`` what the product really sends.

    Every 4xx/5xx response is problem+json with the ``Problem`` schema only (FastAPI also
    lists ``application/json`` and its own validation-error schema, which we never send);
    every operation documents the 500 the error handler renders; an operation's access
    policy is written into its description, where Swagger UI shows it.
    """
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status, answer in responses.items():
                if status[:1] in {"4", "5"}:
                    examples = answer.get("content", {}).get(ERROR_MEDIA_TYPE, {})
                    responses[status] = problem_answer(answer.get("description") or "Error")
                    if "examples" in examples:
                        responses[status]["content"][ERROR_MEDIA_TYPE]["examples"] = examples[
                            "examples"
                        ]
            responses.setdefault("500", problem_answer("Internal Server Error"))
            if _takes_if_match(operation):
                # shared.concurrency.check_if_match: a malformed header is 400, none or * 428.
                responses.setdefault("400", problem_answer("Bad Request"))
                responses.setdefault("428", problem_answer("Precondition Required"))
            policy = operation.get("x-kam-policy")
            if policy is not None:
                text = _policy_text(policy)
                description = operation.get("description", "")
                if text not in description:
                    operation["description"] = f"{description}\n\n{text}".strip()
    _drop_unreferenced(document, ("HTTPValidationError", "ValidationError"))
    return document_error_examples(document)


def _takes_if_match(operation: dict[str, Any]) -> bool:
    return any(
        parameter.get("in") == "header" and str(parameter.get("name", "")).lower() == "if-match"
        for parameter in operation.get("parameters", [])
    )


def document_errors(app: FastAPI) -> None:
    """Post-process ``app``'s OpenAPI document with :func:`finish_contract` (once, cached)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = finish_contract(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

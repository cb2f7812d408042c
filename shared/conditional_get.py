"""``If-None-Match`` on reads: 304 Not Modified when the caller's copy is current.

A GET (or HEAD) whose answer is a 200 with an ``ETag`` is compared with the request's
``If-None-Match`` (weak comparison, RFC 9110 §13.1.2; ``*`` matches any current record);
on a match the answer becomes a 304 carrying the ETag and no body, so a front end that
polls a record it already holds gets a few bytes back. Pure ASGI, for every route at once:
the route still runs (the ETag is its answer's), only the body is not sent.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

MAX_IF_NONE_MATCH = 1000
"""Characters of an ``If-None-Match`` (declared in the contract): a longer one is a 400."""

# Headers a 304 keeps (RFC 9110 §15.4.5); the body's own (length, type) go.
_KEPT = frozenset({b"etag", b"cache-control", b"vary", b"content-location", b"date",
                   b"expires", b"x-request-id", b"content-language"})  # fmt: skip


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether ``etag`` is one the ``If-None-Match`` names (so the answer is a 304)."""
    tags = [item.strip() for item in if_none_match.split(",") if item.strip()]
    return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}


class ConditionalGet:
    """The middleware: a matching 200 answer to a GET/HEAD becomes a 304."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"}:
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        if not if_none_match:
            await self.app(scope, receive, send)
            return
        if len(if_none_match) > MAX_IF_NONE_MATCH:
            refused = problem_response(
                400,
                detail=f"If-None-Match may have at most {MAX_IF_NONE_MATCH} characters",
                instance=scope.get("path"),
            )
            await refused(scope, receive, send)
            return
        not_modified = False

        async def send_conditionally(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                etag = next((v for k, v in headers if k.lower() == b"etag"), None)
                if message["status"] == 200 and etag is not None:
                    not_modified = none_match(if_none_match, etag.decode("latin-1"))
                if not_modified:
                    kept = [(k, v) for k, v in headers if k.lower() in _KEPT]
                    await send({"type": "http.response.start", "status": 304, "headers": kept})
                    return
            elif message["type"] == "http.response.body" and not_modified:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_conditionally)

"""Request ids: accepted from ``X-Request-ID`` or created, bound to logs, echoed back."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this task, if any."""
    return _current_request_id.get()


def new_request_id() -> str:
    """A fresh request id (32 hex characters; without uuid4's object, a tenth the cost)."""
    return secrets.token_hex(16)


class RequestIdMiddleware:
    """Pure ASGI middleware (no per-request task overhead of BaseHTTPMiddleware).

    A caller's id is kept when it is a sane token, otherwise replaced, so a hostile header
    cannot inject into logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _VALID_ID.match(incoming) else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = _current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append(header)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            _current_request_id.reset(token)

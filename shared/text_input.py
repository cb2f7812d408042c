"""Text in a request never carries a NUL character (``\\u0000``).

PostgreSQL refuses NUL in ``text`` and ``jsonb``, so a NUL that reaches a query fails there
as a 500. No field of the contract has a use for it, so one pure ASGI middleware refuses it
before any route reads the request: in the path, in a query parameter (name or value), and
in a JSON or form body (any member name or string, at any depth), with a 422 problem naming
the field as a validation error would (``["query", "q"]``, ``["body", "contacts", 0,
"name"]``). File uploads (multipart) are left to the route that parses the file.

Bodies are read whole before the route runs (as the route would read them anyway) and
handed on unchanged; a body without the six characters ``\\u0000`` (JSON) or ``%00``
(form) is never parsed here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

NUL = "\x00"
NUL_MESSAGE = "text must not contain the NUL character (\\u0000)"
_FORM = b"application/x-www-form-urlencoded"
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


def nul_in_pairs(text: str) -> str | None:
    """The name of the first query or form parameter holding a NUL (in name or value)."""
    for name, value in parse_qsl(text, keep_blank_values=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\u0000")
    return None


def nul_in_json(value: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where inside a parsed JSON value a string (or a member name) holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for name, member in value.items():
            if NUL in name:
                yield (*loc, name.replace(NUL, "\\u0000"))
            yield from nul_in_json(member, (*loc, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_in_json(item, (*loc, index))


def nul_in_body(body: bytes, content_type: bytes) -> tuple[str | int, ...] | None:
    """Where in a JSON or form body a NUL is, or None (also for a body that does not parse:
    the route answers that one)."""
    if content_type.startswith(_FORM):
        if b"%00" not in body and b"\x00" not in body:
            return None
        name = nul_in_pairs(body.decode("latin-1"))
        return None if name is None else (name,)
    if b"json" not in content_type or b"\\u0000" not in body:
        return None  # a raw NUL byte is no valid JSON: the route refuses it as such
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return next(nul_in_json(parsed), None)


def _content_type(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).lower()
    return b""


class RefuseNulCharacters:
    """Answer 422 to a request whose path, query or JSON/form body holds a NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loc: tuple[str | int, ...] | None = None
        if NUL in scope["path"]:
            loc = ("path",)
        query: bytes = scope.get("query_string", b"")
        if loc is None and (b"%00" in query or b"\x00" in query):
            name = nul_in_pairs(query.decode("latin-1"))
            loc = None if name is None else ("query", name)
        content_type = b"" if scope["method"] in _NO_BODY else _content_type(scope)
        if loc is None and (b"json" in content_type or content_type.startswith(_FORM)):
            messages, body = await _read_body(receive)
            where = nul_in_body(body, content_type)
            loc = None if where is None else ("body", *where)
            receive = _replay(messages, receive)
        if loc is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            422,
            slug="validation-error",
            detail="The request does not validate; see errors.",
            instance=scope["path"].replace(NUL, "\\u0000"),
            errors=[{"loc": list(loc), "msg": NUL_MESSAGE, "type": "nul_character"}],
        )
        await response(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands the route the messages already read, then the rest."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed

"""Which language a request's messages are in: ``Accept-Language``, zh-CN by default.

The department reads Chinese, so a request that names no language (or only ones we do not
speak) gets zh-CN; ``en`` (any English tag) gets English, which is also what our own
services send each other. The choice is bound per request (:class:`LanguageMiddleware`)
and read where messages are rendered (problem documents, which say ``Content-Language``).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

Language = Literal["zh-CN", "en"]
DEFAULT_LANGUAGE: Language = "zh-CN"
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")

_BY_PRIMARY_TAG: dict[str, Language] = {"zh": "zh-CN", "en": "en"}
_current_language: ContextVar[Language] = ContextVar("language", default=DEFAULT_LANGUAGE)


def negotiate(accept_language: str | None) -> Language:
    """The language an ``Accept-Language`` value asks for (RFC 9110 §12.5.4, q-values
    honoured; ties keep the header's order); zh-CN when it names nothing we speak."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, Language]] = []
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        language = _BY_PRIMARY_TAG.get(primary)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def current_language() -> Language:
    """The language of the request being served (zh-CN outside a request)."""
    return _current_language.get()


class LanguageMiddleware:
    """Bind the request's language for the messages rendered while it runs (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None
        )
        language = negotiate(header)
        scope.setdefault("state", {})["language"] = language
        token = _current_language.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_language.reset(token)

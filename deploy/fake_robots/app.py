"""The group-robot double: speaks the two platforms' webhook protocols over HTTP.

- WeCom: ``POST /cgi-bin/webhook/send?key=<key>`` with ``{"msgtype": "text", ...}``.
- DingTalk: ``POST /robot/send?access_token=<token>&timestamp=<ms>&sign=<sign>``; the sign is
  checked against the robot's secret like DingTalk does (HMAC-SHA256 of
  ``f"{timestamp}\\n{secret}"``, base64), and a timestamp more than an hour off is refused.

Both answer ``{"errcode": 0, "errmsg": "ok"}`` or a platform-style error; ``GET /messages``
lists what was accepted. ``failures`` makes the next N calls answer 500 (a robot down).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse

HOUR_MS = 3_600_000


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def create_app(dingtalk_secrets: Mapping[str, str] | None = None) -> FastAPI:
    """The double; ``dingtalk_secrets`` maps an access token to its robot's signing secret."""
    secrets = dict(dingtalk_secrets or {})
    app = FastAPI(title="Fake WeCom/DingTalk group robots")
    app.state.messages = []
    app.state.failures = 0

    def accept(platform: str, robot: str, body: Any) -> JSONResponse:
        if app.state.failures > 0:
            app.state.failures -= 1
            return JSONResponse({"errcode": -1, "errmsg": "system busy"}, status_code=500)
        if not isinstance(body, dict) or body.get("msgtype") != "text":
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        app.state.messages.append({"platform": platform, "robot": robot, "body": body})
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    @app.post("/cgi-bin/webhook/send")
    async def wecom(request: Request, key: str = Query(min_length=1)) -> JSONResponse:
        return accept("wecom", key, await request.json())

    @app.post("/robot/send")
    async def dingtalk(
        request: Request,
        access_token: str = Query(min_length=1),
        timestamp: str | None = None,
        sign: str | None = None,
    ) -> JSONResponse:
        secret = secrets.get(access_token)
        if secret is not None:
            fresh = (
                timestamp is not None
                and timestamp.isdigit()
                and (abs(int(timestamp) - int(time.time() * 1000)) < HOUR_MS)
            )
            if (
                not fresh
                or sign is None
                or not hmac.compare_digest(sign, expected_sign(secret, timestamp or ""))
            ):
                return JSONResponse({"errcode": 310000, "errmsg": "sign not match"})
        return accept("dingtalk", access_token, await request.json())

    @app.get("/messages")
    async def messages() -> list[dict[str, Any]]:
        return list(app.state.messages)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

"""The WeCom (企业微信) and DingTalk (钉钉) sign-in double: their OAuth pages and APIs over
HTTP, in the style of the fake ERP, so staff's company sign-on runs its real code.

WeCom (``open.weixin.qq.com`` and ``qyapi.weixin.qq.com``):

- ``GET /connect/oauth2/authorize?appid&redirect_uri&state…`` a sign-in page (a form with
  the member's userid, standing for the WeCom app's own session); ``POST`` of it redirects
  to ``redirect_uri?code=…&state=…``.
- ``GET /cgi-bin/gettoken?corpid&corpsecret`` → ``{"errcode": 0, "access_token"}``.
- ``GET /cgi-bin/auth/getuserinfo?access_token&code`` → ``{"errcode": 0, "userid"}``; a
  code works once and for five minutes (``40029 invalid code`` otherwise).

DingTalk (``login.dingtalk.com``, ``api.dingtalk.com``, ``oapi.dingtalk.com``):

- ``GET /oauth2/auth?client_id&redirect_uri&state…`` a sign-in page; ``POST`` of it
  redirects to ``redirect_uri?authCode=…&state=…``.
- ``POST /v1.0/oauth2/userAccessToken`` ``{clientId, clientSecret, code, grantType}`` →
  ``{"accessToken", "expireIn"}``; 400 for a wrong client or code.
- ``GET /v1.0/contact/users/me`` with ``x-acs-dingtalk-access-token`` → ``{"unionId",
  "nick", …}``.
- ``POST /v1.0/oauth2/accessToken`` ``{appKey, appSecret}`` → the app's ``accessToken``.
- ``POST /topapi/user/getbyunionid?access_token`` ``{"unionid"}`` → ``{"errcode": 0,
  "result": {"userid"}}``.

A member's union id is ``union-<userid>`` here. ``GET /calls`` lists the API calls made.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

CODE_SECONDS = 300


@dataclass
class Platform:
    """One platform's state: issued codes (code → (userid, expiry)) and tokens."""

    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    user_tokens: dict[str, str] = field(default_factory=dict)

    def issue_code(self, user_id: str) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = (user_id, time.monotonic() + CODE_SECONDS)
        return code

    def redeem(self, code: str) -> str | None:
        found = self.codes.pop(code, None)
        return found[0] if found and found[1] > time.monotonic() else None

    def new_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token


def _page(action: str, hidden: dict[str, str], field_name: str) -> HTMLResponse:
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    return HTMLResponse(
        f'<form method="post" action="{escape(action)}">{inputs}'
        f'<input name="{field_name}"><button>Sign in</button></form>'
    )


def create_app(
    *,
    wecom_corp_id: str,
    wecom_secret: str,
    dingtalk_client_id: str,
    dingtalk_client_secret: str,
) -> FastAPI:
    app = FastAPI(title="Fake WeCom/DingTalk sign-in")
    wecom, dingtalk = Platform(), Platform()
    app.state.calls = []

    def called(name: str, **facts: Any) -> None:
        app.state.calls.append({"api": name, **facts})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/calls")
    async def calls() -> list[dict[str, Any]]:
        return list(app.state.calls)

    # --- WeCom -----------------------------------------------------------------------------

    @app.get("/connect/oauth2/authorize", response_model=None)
    async def wecom_page(
        appid: str, redirect_uri: str, state: str = "", response_type: str = "code"
    ) -> HTMLResponse | JSONResponse:
        if appid != wecom_corp_id or response_type != "code":
            return JSONResponse({"errcode": 40013, "errmsg": "invalid corpid"}, status_code=400)
        return _page(
            "/connect/oauth2/authorize", {"redirect_uri": redirect_uri, "state": state}, "userid"
        )

    @app.post("/connect/oauth2/authorize")
    async def wecom_sign_in(
        redirect_uri: str = Form(), state: str = Form(""), userid: str = Form()
    ) -> RedirectResponse:
        query = urlencode({"code": wecom.issue_code(userid), "state": state})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

    @app.get("/cgi-bin/gettoken")
    async def wecom_token(corpid: str = "", corpsecret: str = "") -> dict[str, Any]:
        called("wecom.gettoken", corpid=corpid)
        if corpid != wecom_corp_id or corpsecret != wecom_secret:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        return {"errcode": 0, "errmsg": "ok", "access_token": wecom.new_token(), "expires_in": 7200}

    @app.get("/cgi-bin/auth/getuserinfo")
    async def wecom_user(access_token: str = "", code: str = "") -> dict[str, Any]:
        called("wecom.getuserinfo")
        if access_token not in wecom.tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        user_id = wecom.redeem(code)
        if user_id is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"errcode": 0, "errmsg": "ok", "userid": user_id, "user_ticket": "t"}

    # --- DingTalk --------------------------------------------------------------------------

    @app.get("/oauth2/auth", response_model=None)
    async def dingtalk_page(
        client_id: str, redirect_uri: str, state: str = "", response_type: str = "code"
    ) -> HTMLResponse | JSONResponse:
        if client_id != dingtalk_client_id or response_type != "code":
            return JSONResponse({"code": "invalidClient"}, status_code=400)
        return _page("/oauth2/auth", {"redirect_uri": redirect_uri, "state": state}, "userid")

    @app.post("/oauth2/auth")
    async def dingtalk_sign_in(
        redirect_uri: str = Form(), state: str = Form(""), userid: str = Form()
    ) -> RedirectResponse:
        query = urlencode({"authCode": dingtalk.issue_code(userid), "state": state})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

    def refused(code: str, message: str) -> JSONResponse:
        return JSONResponse({"code": code, "message": message}, status_code=400)

    @app.post("/v1.0/oauth2/userAccessToken", response_model=None)
    async def dingtalk_user_token(request: Request) -> dict[str, Any] | JSONResponse:
        body = await request.json()
        called("dingtalk.userAccessToken", clientId=body.get("clientId"))
        if (body.get("clientId"), body.get("clientSecret")) != (
            dingtalk_client_id,
            dingtalk_client_secret,
        ) or body.get("grantType") != "authorization_code":
            return refused("invalidClient", "client id or secret is wrong")
        user_id = dingtalk.redeem(str(body.get("code", "")))
        if user_id is None:
            return refused("invalidAuthCode", "the code is not valid")
        token = secrets.token_urlsafe(24)
        dingtalk.user_tokens[token] = user_id
        return {"accessToken": token, "refreshToken": "r", "expireIn": 7200}

    @app.get("/v1.0/contact/users/me", response_model=None)
    async def dingtalk_me(
        token: str = Header("", alias="x-acs-dingtalk-access-token"),
    ) -> dict[str, Any] | JSONResponse:
        called("dingtalk.users.me")
        user_id = dingtalk.user_tokens.get(token)
        if user_id is None:
            return JSONResponse({"code": "InvalidAuthentication"}, status_code=401)
        return {"unionId": f"union-{user_id}", "openId": f"open-{user_id}", "nick": user_id}

    @app.post("/v1.0/oauth2/accessToken", response_model=None)
    async def dingtalk_app_token(request: Request) -> dict[str, Any] | JSONResponse:
        body = await request.json()
        called("dingtalk.accessToken")
        if (body.get("appKey"), body.get("appSecret")) != (
            dingtalk_client_id,
            dingtalk_client_secret,
        ):
            return refused("invalidClient", "app key or secret is wrong")
        return {"accessToken": dingtalk.new_token(), "expireIn": 7200}

    @app.post("/topapi/user/getbyunionid")
    async def dingtalk_by_union(request: Request, access_token: str = Query("")) -> dict[str, Any]:
        called("dingtalk.getbyunionid")
        if access_token not in dingtalk.tokens:
            return {"errcode": 40014, "errmsg": "不合法的access_token"}
        union_id = str((await request.json()).get("unionid", ""))
        if not union_id.startswith("union-"):
            return {"errcode": 60121, "errmsg": "找不到该用户"}
        return {"errcode": 0, "errmsg": "ok", "result": {"userid": union_id[len("union-") :]}}

    return app

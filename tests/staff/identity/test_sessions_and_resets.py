"""Sessions, administrator unlock and password resets against the real database (rolled
back); the e-mail side runs through real processes in tests/e2e/test_sign_in_security.py."""

from sqlmodel import select

from services.staff.audit.models import StaffAuditEntry
from services.staff.identity.models import PasswordResetToken
from tests.staff.conftest import StaffApp
from tests.staff.identity.test_api import PASSWORD, auth, make_user, refresh, sign_in
from tests.staff.identity.test_sign_in_throttle import (
    THROTTLED,
    failures_until_refused,
    strict_guard,
)

NEW_PASSWORD = "violet-harbour-lantern-58"


async def actions(staff: StaffApp, entity_id: object) -> list[str]:
    async with staff.session_factory() as session:
        rows = (
            await session.exec(
                select(StaffAuditEntry)
                .where(StaffAuditEntry.entity_id == str(entity_id))
                .order_by(StaffAuditEntry.id)
            )
        ).all()
    return [row.action for row in rows]


async def test_sessions_are_listed_and_one_ends_alone(staff: StaffApp) -> None:
    user = await make_user(staff.client, "wang.lei")
    phone = (await staff.client.post(
        "/v1/auth/token", data={"username": "wang.lei", "password": PASSWORD},
        headers={"Authorization": "", "User-Agent": "KAM-phone/1.0"},
    )).json()  # fmt: skip
    laptop = (await sign_in(staff.client, "wang.lei")).json()
    listed = await staff.client.get("/v1/me/sessions", headers=auth(laptop["access_token"]))
    assert listed.status_code == 200, listed.text
    sessions = listed.json()
    assert len(sessions) == 2
    assert [s["current"] for s in sessions].count(True) == 1
    phone_session = next(s for s in sessions if s["user_agent"] == "KAM-phone/1.0")
    assert phone_session["current"] is False and phone_session["client_address"]

    ended = await staff.client.delete(
        f"/v1/me/sessions/{phone_session['id']}", headers=auth(laptop["access_token"])
    )
    assert ended.status_code == 204
    assert (await refresh(staff.client, phone["refresh_token"])).status_code == 401
    me = await staff.client.get("/v1/auth/me", headers=auth(phone["access_token"]))
    assert me.status_code == 401  # staff refuses the ended session's access token at once
    assert (await staff.client.get("/v1/auth/me", headers=auth(laptop["access_token"]))).is_success
    again = await staff.client.delete(
        f"/v1/me/sessions/{phone_session['id']}", headers=auth(laptop["access_token"])
    )
    assert again.status_code == 404
    assert "session_ended" in await actions(staff, user["id"])
    assert "signed_in" in await actions(staff, user["id"])


async def test_an_administrator_lists_and_ends_anyones_sessions(staff: StaffApp) -> None:
    user = await make_user(staff.client, "wang.lei")
    first = (await sign_in(staff.client, "wang.lei")).json()
    await sign_in(staff.client, "wang.lei")
    listed = await staff.client.get(f"/v1/staff/users/{user['id']}/sessions")
    assert len(listed.json()) == 2
    ended = await staff.client.delete(f"/v1/staff/users/{user['id']}/sessions")
    assert ended.json() == {"ended": 2}
    assert (await staff.client.get(f"/v1/staff/users/{user['id']}/sessions")).json() == []
    assert (await refresh(staff.client, first["refresh_token"])).status_code == 401
    assert "sessions_ended" in await actions(staff, user["id"])
    someone_else = await staff.client.delete(f"/v1/staff/users/{user['id']}/sessions/{'0' * 32}")
    assert someone_else.status_code == 404


async def test_an_administrator_unlocks_a_locked_login(staff: StaffApp) -> None:
    user = await make_user(staff.client, "wang.lei")
    strict_guard(staff, sign_in_delay_seconds=0.001, sign_in_lock_seconds=900)
    assert await failures_until_refused(staff.client, "wang.lei") == [401] * 4 + [429]
    assert (await sign_in(staff.client, "wang.lei")).json()["type"] == THROTTLED
    no_etag = await staff.client.post(f"/v1/staff/users/{user['id']}/unlock")
    assert no_etag.status_code == 428
    unlocked = await staff.client.post(
        f"/v1/staff/users/{user['id']}/unlock", headers={"If-Match": f'"{user["version"]}"'}
    )
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.headers["ETag"] == f'"{user["version"] + 1}"'
    assert (await sign_in(staff.client, "wang.lei")).status_code == 200
    assert "login_unlocked" in await actions(staff, user["id"])


async def test_an_administrators_reset_link_works_once_and_ends_every_session(
    staff: StaffApp,
) -> None:
    user = await make_user(staff.client, "wang.lei")
    old = (await sign_in(staff.client, "wang.lei")).json()
    issued = await staff.client.post(
        f"/v1/staff/users/{user['id']}/password-reset",
        json={},
        headers={"If-Match": f'"{user["version"]}"'},
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()["reset_url"].split("token=")[1]
    async with staff.session_factory() as session:
        stored = (await session.exec(select(PasswordResetToken))).all()
    assert token not in {row.token_hash for row in stored}  # only a hash is kept

    weak = await staff.client.post(
        "/v1/auth/password-reset", json={"token": token, "new_password": "wang.lei-2026-x"}
    )
    assert weak.status_code == 422 and "login" in weak.json()["detail"]
    done = await staff.client.post(
        "/v1/auth/password-reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert (await refresh(staff.client, old["refresh_token"])).status_code == 401
    assert (await sign_in(staff.client, "wang.lei", NEW_PASSWORD)).status_code == 200
    reused = await staff.client.post(
        "/v1/auth/password-reset", json={"token": token, "new_password": "another" + NEW_PASSWORD}
    )
    assert reused.status_code == 400
    assert {"password_reset_issued", "password_reset"} <= set(await actions(staff, user["id"]))


async def test_a_mailed_reset_needs_a_work_email(staff: StaffApp) -> None:
    user = await make_user(staff.client, "wang.lei")
    refused = await staff.client.post(
        f"/v1/staff/users/{user['id']}/password-reset",
        json={"send_email": True},
        headers={"If-Match": f'"{user["version"]}"'},
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:kam:problem:unmet-prerequisite"


async def test_forgot_password_answers_alike_for_known_and_unknown_logins(
    staff: StaffApp,
) -> None:
    await make_user(staff.client, "wang.lei")
    answers = [
        await staff.client.post(
            "/v1/auth/forgot-password", json={"login": name}, headers={"Authorization": ""}
        )
        for name in ("wang.lei", "no.such.person", "nobody@example.com")
    ]
    assert {(a.status_code, a.text) for a in answers} == {(answers[0].status_code, answers[0].text)}
    assert answers[0].status_code == 200


async def test_a_password_change_follows_the_policy(staff: StaffApp) -> None:
    await make_user(staff.client, "wang.lei")
    token = (await sign_in(staff.client, "wang.lei")).json()["access_token"]
    for weak in ("password123456", "wang.lei.is.me", "short"):
        response = await staff.client.post(
            "/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": weak},
            headers=auth(token),
        )
        assert response.status_code == 422, weak


async def test_the_policys_refusal_reads_in_chinese_for_people(staff: StaffApp) -> None:
    await make_user(staff.client, "wang.lei")
    token = (await sign_in(staff.client, "wang.lei")).json()["access_token"]
    response = await staff.client.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "wang.lei.is.me"},
        headers={**auth(token), "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "新密码不符合要求：不能包含登录名"


async def test_someone_elses_session_answers_like_a_missing_one(staff: StaffApp) -> None:
    await make_user(staff.client, "wang.lei")
    await make_user(staff.client, "li.na")
    his = (await sign_in(staff.client, "wang.lei")).json()
    hers = (await sign_in(staff.client, "li.na")).json()
    her_sessions = await staff.client.get("/v1/me/sessions", headers=auth(hers["access_token"]))
    his_sessions = await staff.client.get("/v1/me/sessions", headers=auth(his["access_token"]))
    assert len(her_sessions.json()) == 1 and len(his_sessions.json()) == 1
    assert her_sessions.json()[0]["id"] != his_sessions.json()[0]["id"]
    target = f"/v1/me/sessions/{her_sessions.json()[0]['id']}"
    theirs = await staff.client.delete(target, headers=auth(his["access_token"]))
    missing = await staff.client.delete(
        f"/v1/me/sessions/{'f' * 32}", headers=auth(his["access_token"])
    )
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].endswith("does not exist")
    assert (await refresh(staff.client, hers["refresh_token"])).status_code == 200

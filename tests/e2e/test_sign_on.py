"""Second factor and company sign-on through the gateway, against real processes: staff
and the gateway, a real OpenID Connect provider (``oidc-provider-mock``, built on authlib's
server, run as its own process) and the WeCom/DingTalk sign-in double
(``python -m deploy.fake_sign_on``). The test follows redirects the way a browser does.

- An administrator (the role requires a second factor here) gets a challenge, not tokens;
  enrols an authenticator with it, then signs in with the right code (a wrong one is
  refused) or a recovery code, which works once. An administrator's reset makes them
  enrol again. A person whose role needs none gets tokens at once (Swagger UI's flow).
- OpenID Connect: authorization code with PKCE; the person is found by e-mail and gets a
  login just in time; a used or forged state is refused.
- WeCom and DingTalk: their OAuth codes map to the employee's user ids there.
- Each lands in the staff audit log with the client address.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pyotp
import pytest

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import with_database
from tests.conftest import OUTPUT_DIR, service_url
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:6]
ADMIN_PASSWORD = "sign-on-admin-password-2026"
OIDC_CLIENT = "kam-e2e"
WECOM = {"corp_id": "ww-e2e", "secret": "wecom-e2e-secret"}
DINGTALK = {"client_id": "ding-e2e", "client_secret": "dingtalk-e2e-secret"}
LI_NA_EMAIL = f"Li.Na.{RUN}@example.com"


def _wait(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start ({url})")


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(command, stdout=output, stderr=output)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class World:
    gateway: str
    staff_url: str
    provider: str
    double: str
    admin: dict[str, str]
    admin_secret: str
    admin_recovery_codes: list[str]


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def _wrong_code(secret: str) -> str:
    window = {_code(secret, offset) for offset in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555")
                if c not in window)  # fmt: skip


def _enrol(gateway: str, login: str, password: str) -> tuple[dict[str, Any], str]:
    """Sign in (an enrolment challenge), enrol, confirm with a wrong then the right code."""
    signed = httpx.post(
        f"{gateway}/v1/auth/token", data={"username": login, "password": password}, timeout=10
    )
    assert signed.status_code == 200, signed.text
    challenge = signed.json()
    assert "access_token" not in challenge and challenge["enrolment_required"] is True
    enrolment = httpx.post(
        f"{gateway}/v1/auth/second-factor/enrolment",
        json={"challenge": challenge["challenge"]},
        timeout=10,
    )
    assert enrolment.status_code == 200, enrolment.text
    secret = enrolment.json()["secret"]
    assert enrolment.json()["otpauth_uri"].startswith(f"otpauth://totp/KAM:{login}?")
    wrong = httpx.post(
        f"{gateway}/v1/auth/second-factor",
        json={"challenge": challenge["challenge"], "code": _wrong_code(secret)},
        timeout=10,
    )
    assert wrong.status_code == 401, wrong.text
    confirmed = httpx.post(
        f"{gateway}/v1/auth/second-factor",
        json={"challenge": challenge["challenge"], "code": _code(secret)},
        timeout=10,
    )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json(), secret


@pytest.fixture(scope="module")
def world(test_settings: TestSettings) -> Iterator[World]:
    server = test_settings.database_url
    database = with_database(server, f"kam_test_{test_settings.worker}_so_{RUN}")
    asyncio.run(prepare_database(database, test_settings.role_prefix))
    logs = OUTPUT_DIR / "logs-sign-on"
    provider_port, double_port = free_port(), free_port()
    provider = f"http://127.0.0.1:{provider_port}"
    double = f"http://127.0.0.1:{double_port}"
    li_na = json.dumps({"sub": f"li.na.{RUN}", "email": LI_NA_EMAIL})
    processes = [
        _start([sys.executable, "-m", "oidc_provider_mock", "--port", str(provider_port),
                "--user-claims", li_na], logs / "oidc_provider.log"),
        _start([sys.executable, "-m", "deploy.fake_sign_on", "--port", str(double_port),
                "--wecom-corp-id", WECOM["corp_id"], "--wecom-secret", WECOM["secret"],
                "--dingtalk-client-id", DINGTALK["client_id"],
                "--dingtalk-client-secret", DINGTALK["client_secret"]],
               logs / "fake_sign_on.log"),
    ]  # fmt: skip
    stack = Stack(
        host="127.0.0.1",
        ports=Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()),
        log_dir=logs,
    )
    gateway = stack.url("gateway")
    stack.env = process_environment(
        database,
        {
            "KAM_LOG_JSON": "true",
            "STAFF_OUTBOX_DISPATCHER_ENABLED": "false",
            "STAFF_NOTIFICATIONS_DISPATCHER_ENABLED": "false",
            "STAFF_SECOND_FACTOR_ROLES": '["admin"]',
            "STAFF_SIGN_ON_REDIRECT_BASE": gateway,
            "STAFF_OIDC_ISSUER": provider,
            "STAFF_OIDC_CLIENT_ID": OIDC_CLIENT,
            "STAFF_OIDC_CLIENT_SECRET": "kam-e2e-oidc-secret",
            "STAFF_OIDC_CREATE_LOGINS": "true",
            "STAFF_OIDC_DEFAULT_ROLE": "account_manager",
            "STAFF_WECOM_CORP_ID": WECOM["corp_id"],
            "STAFF_WECOM_SECRET": WECOM["secret"],
            "STAFF_WECOM_AGENT_ID": "1000002",
            "STAFF_WECOM_API_BASE": double,
            "STAFF_WECOM_AUTHORIZE_URL": f"{double}/connect/oauth2/authorize",
            "STAFF_DINGTALK_CLIENT_ID": DINGTALK["client_id"],
            "STAFF_DINGTALK_CLIENT_SECRET": DINGTALK["client_secret"],
            "STAFF_DINGTALK_API_BASE": double,
            "STAFF_DINGTALK_LEGACY_API_BASE": double,
            "STAFF_DINGTALK_AUTHORIZE_URL": f"{double}/oauth2/auth",
        },
    )
    try:
        _wait(f"{provider}/.well-known/openid-configuration", processes[0], "the OIDC provider")
        _wait(f"{double}/healthz", processes[1], "the sign-on double")
        stack.start_process("staff")
        stack.start_process("gateway")
        stack.wait_ready("staff")
        stack.wait_ready("gateway", path="/healthz")
        staff_db = service_url(database, "staff", test_settings.role_prefix)
        asyncio.run(create_admin(staff_db, f"so.admin.{RUN}", ADMIN_PASSWORD))
        tokens, secret = _enrol(gateway, f"so.admin.{RUN}", ADMIN_PASSWORD)
        codes = tokens["recovery_codes"]
        assert isinstance(codes, list) and len(codes) == 10
        admin = {"Authorization": f"Bearer {tokens['access_token']}"}
        yield World(gateway, stack.url("staff"), provider, double, admin, secret, codes)
    finally:
        stack.stop()
        for process in processes:
            _stop(process)
        asyncio.run(drop_database(database))


def _audit(world: World, action: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{world.gateway}/v1/staff/audit",
        params={"action": action, "limit": 100},
        headers=world.admin,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _challenge(world: World, login: str, password: str) -> str:
    signed = httpx.post(
        f"{world.gateway}/v1/auth/token",
        data={"username": login, "password": password},
        timeout=10,
    )
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert "access_token" not in body and body["enrolment_required"] is False
    assert 0 < body["expires_in"] <= 300
    return str(body["challenge"])


def _answer(world: World, challenge: str, **answer: str) -> httpx.Response:
    return httpx.post(
        f"{world.gateway}/v1/auth/second-factor",
        json={"challenge": challenge, **answer},
        timeout=10,
    )


def _employee(world: World, **fields: str) -> int:
    number = f"E{uuid.uuid4().hex[:8].upper()}"
    created = httpx.post(
        f"{world.gateway}/v1/staff/employees",
        json={"employee_no": number, "name": f"员工{number}", "hire_date": "2026-01-05", **fields},
        headers=world.admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _login(world: World, login: str, employee_id: int, *roles: str) -> None:
    created = httpx.post(
        f"{world.gateway}/v1/staff/users",
        json={"login": login, "password": f"{login}-password-2026", "roles": list(roles),
              "employee_id": employee_id},
        headers=world.admin,
        timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text


def _me(world: World, tokens: dict[str, Any]) -> dict[str, Any]:
    me = httpx.get(
        f"{world.gateway}/v1/auth/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    body: dict[str, Any] = me.json()
    return body


def test_an_administrator_needs_the_right_code_and_a_recovery_code_works_once(
    world: World,
) -> None:
    login = f"so.admin.{RUN}"
    challenge = _challenge(world, login, ADMIN_PASSWORD)
    refused = _answer(world, challenge, code=_wrong_code(world.admin_secret))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    # The code of the next step: the current one was used to enrol, and a code works once.
    signed = _answer(world, challenge, code=_code(world.admin_secret, 1))
    assert signed.status_code == 200, signed.text
    assert signed.json()["recovery_codes"] is None
    assert "admin" in _me(world, signed.json())["roles"]
    # A challenge is single-use.
    assert _answer(world, challenge, code=_code(world.admin_secret, 1)).status_code == 401

    recovery = world.admin_recovery_codes[0]
    first = _answer(world, _challenge(world, login, ADMIN_PASSWORD), recovery_code=recovery)
    assert first.status_code == 200, first.text
    again = _answer(world, _challenge(world, login, ADMIN_PASSWORD), recovery_code=recovery)
    assert again.status_code == 401

    failed = _audit(world, "second_factor_failed")
    assert len(failed) >= 3  # one at enrolment, the wrong code, the reused recovery code
    assert all(entry["client_address"] for entry in failed)
    enrolled = _audit(world, "second_factor_enrolled")
    assert [e["after"]["method"] for e in enrolled] == ["totp"]
    assert enrolled[0]["client_address"] and enrolled[0]["after"]["address"]
    assert len(_audit(world, "recovery_code_used")) == 1


def test_a_person_whose_role_needs_no_second_factor_gets_tokens_at_once(world: World) -> None:
    employee = _employee(world)
    _login(world, f"so.am.{RUN}", employee, "account_manager")
    signed = httpx.post(
        f"{world.gateway}/v1/auth/token",
        data={"username": f"so.am.{RUN}", "password": f"so.am.{RUN}-password-2026"},
        timeout=10,
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["token_type"] == "bearer" and signed.json()["access_token"]


def test_an_administrator_resets_a_lost_authenticator(world: World) -> None:
    login = f"so.admin2.{RUN}"
    employee = _employee(world)
    _login(world, login, employee, "admin")
    tokens, _ = _enrol(world.gateway, login, f"{login}-password-2026")
    user_id = _me(world, tokens)["user_id"]
    path = f"{world.gateway}/v1/staff/users/{user_id}/second-factor-reset"
    assert httpx.post(path, headers=world.admin, timeout=10).status_code == 428
    current = httpx.get(f"{world.gateway}/v1/staff/users/{user_id}", headers=world.admin)
    reset = httpx.post(
        path, headers={**world.admin, "If-Match": current.headers["ETag"]}, timeout=10
    )
    assert reset.status_code == 200, reset.text
    assert reset.headers["ETag"] != current.headers["ETag"]
    again = httpx.post(
        f"{world.gateway}/v1/auth/token",
        data={"username": login, "password": f"{login}-password-2026"},
        timeout=10,
    )
    assert again.json()["enrolment_required"] is True
    entries = [e for e in _audit(world, "second_factor_reset") if e["entity_id"] == str(user_id)]
    assert len(entries) == 1 and entries[0]["after"]["had_factor"] is True
    assert entries[0]["actor"] and entries[0]["client_address"]


def _follow_to_callback(browser: httpx.Client, start: str, form: dict[str, str]) -> str:
    """Our login → the provider's page → its form posted → the callback URL (not followed)."""
    to_provider = browser.get(start)
    assert to_provider.status_code == 302, to_provider.text
    page_url = to_provider.headers["location"]
    page = browser.get(page_url)
    assert page.status_code == 200, page.text
    hidden = dict(
        pair.split('" value="')
        for pair in (
            part.split('name="', 1)[1].split('">', 1)[0]
            for part in page.text.split('<input type="hidden" ')[1:]
        )
    )
    posted = browser.post(page_url, data={**hidden, **form})
    assert posted.status_code == 302, posted.text
    return str(urljoin(page_url, posted.headers["location"]))


def test_openid_connect_sign_in_with_pkce_creates_the_login_just_in_time(world: World) -> None:
    employee = _employee(world, work_email=LI_NA_EMAIL.lower())
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        to_provider = browser.get(f"{world.gateway}/v1/auth/oidc/login")
        assert to_provider.status_code == 302
        authorize = urlsplit(to_provider.headers["location"])
        query = parse_qs(authorize.query)
        assert f"{authorize.scheme}://{authorize.netloc}" == world.provider
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
        assert query["client_id"] == [OIDC_CLIENT] and query["state"] and query["nonce"]
        assert query["redirect_uri"] == [f"{world.gateway}/v1/auth/oidc/callback"]
        callback = _follow_to_callback(
            browser, f"{world.gateway}/v1/auth/oidc/login", {"sub": f"li.na.{RUN}"}
        )
        assert callback.startswith(f"{world.gateway}/v1/auth/oidc/callback?")
        signed = browser.get(callback)
        assert signed.status_code == 200, signed.text
        me = _me(world, signed.json())
        assert me["employee_id"] == employee and "account_manager" in me["roles"]
        # The state came back once: the same answer again is refused.
        assert browser.get(callback).status_code == 401
        forged = callback.replace("state=", "state=x")
        assert browser.get(forged).status_code == 401
    sign_ons = [e for e in _audit(world, "company_sign_on") if e["after"]["provider"] == "oidc"]
    assert len(sign_ons) == 1 and sign_ons[0]["entity_id"] == str(me["user_id"])
    assert sign_ons[0]["client_address"] and sign_ons[0]["after"]["address"]
    assert any(e["after"].get("by") == "oidc_just_in_time" for e in _audit(world, "user_created"))
    failed = [e["after"]["reason"] for e in _audit(world, "company_sign_on_failed")]
    assert any("state" in reason for reason in failed)


@pytest.mark.parametrize(
    ("provider", "field"), [("wecom", "wecom_user_id"), ("dingtalk", "dingtalk_user_id")]
)
def test_wecom_and_dingtalk_sign_in_map_their_user_id_to_the_employee(
    world: World, provider: str, field: str
) -> None:
    member = f"{provider}.{RUN}"
    employee = _employee(world, **{field: member})
    _login(world, f"so.{provider}.{RUN}", employee, "team_lead")
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        start = f"{world.gateway}/v1/auth/{provider}/login"
        callback = _follow_to_callback(browser, start, {"userid": member})
        assert callback.startswith(f"{world.gateway}/v1/auth/{provider}/callback?")
        signed = browser.get(callback)
        assert signed.status_code == 200, signed.text
        me = _me(world, signed.json())
        assert me["employee_id"] == employee and me["login"] == f"so.{provider}.{RUN}"
        # Someone the company does not know is refused.
        stranger = _follow_to_callback(browser, start, {"userid": f"stranger.{RUN}"})
        assert browser.get(stranger).status_code == 401
    sign_ons = [e for e in _audit(world, "company_sign_on") if e["after"]["provider"] == provider]
    assert len(sign_ons) == 1 and sign_ons[0]["after"]["subject"] == member
    assert sign_ons[0]["client_address"]
    calls = [c["api"] for c in httpx.get(f"{world.double}/calls").json()]
    expected = (
        ["wecom.gettoken", "wecom.getuserinfo"]
        if provider == "wecom"
        else ["dingtalk.userAccessToken", "dingtalk.users.me", "dingtalk.getbyunionid"]
    )
    assert all(api in calls for api in expected)

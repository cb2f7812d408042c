"""Security through the real processes (OWASP API Top 10, 2023), by walking the contract.

- API1 object level: an account manager asks for another's objects, operation by
  operation of the merged document, and gets 404 (their owner gets what the admin gets).
- API5 function level: every write, sent by a role its policy leaves out, is 403.
- API3 mass assignment: members a body does not declare are refused with 422 and change
  nothing (the schema walk is tests/authz/test_request_bodies.py).
- API2 tokens: forged, tampered and confused tokens straight at every process.
- API8: error bodies carry no stack trace or SQL; the logs carry no password, token or key.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deploy.processes import Stack
from services.clients.accounts.rules import credit_code_check_character
from shared.auth.tokens import SigningKey, issue_token
from tests.conftest import E2E_ADMIN_PASSWORD, OUTPUT_DIR, LoginFactory

pytestmark = pytest.mark.e2e

DOCUMENT = json.loads(Path("docs/openapi/gateway.json").read_text())
RUN = uuid.uuid4().hex[:6]
# Employee ids of this module; high so they meet no other test's.
OWNER, OTHER = 7301, 7302
MISSING = 2_000_000_000  # an id no object has
LEAKS = re.compile(r"Traceback|sqlalchemy|asyncpg|psycopg|SELECT |INSERT INTO|UPDATE .* SET ")
WRITE_METHODS = ("post", "put", "patch", "delete")


def operations(methods: tuple[str, ...]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in methods:
                yield method, path, operation


def roles_of(operation: dict[str, Any]) -> set[str] | None:
    """The roles an operation's policy admits; None when it is public."""
    policy = operation["x-kam-policy"]
    return None if policy.get("public") else set(policy.get("roles", []))


def no_internals(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        assert not LEAKS.search(response.text), response.text
    return response


@dataclass
class World:
    """Logins and one object of each kind the owner's accounts hold, made by the admin."""

    gateway: httpx.Client
    admin: dict[str, str]
    owner: dict[str, str]
    other: dict[str, str]
    by_role: dict[str, dict[str, str]]
    ids: dict[str, int]
    secrets: list[str]


def org_employee(employee_id: int) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "employee_id": employee_id,
        "employee_no": f"S{employee_id}", "name": f"安全测试{employee_id}", "manager_id": None,
        "status": "active", "authority_limits": {}, "version": 1,
    }  # fmt: skip


def created(response: httpx.Response) -> int:
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture(scope="module")
def world(
    stack: Stack,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    login_as: LoginFactory,
) -> Iterator[World]:
    pushed = httpx.post(
        f"{stack.url('clients')}/v1/clients/internal/org/employees",
        json={"events": [org_employee(OWNER), org_employee(OTHER)]},
        headers=service_headers,
        timeout=15,
    )
    assert pushed.status_code == 200, pushed.text
    logins = {
        role: login_as(f"sec.{RUN}.{role}", role, employee_id=employee_id)
        for role, employee_id in (
            ("account_manager", OTHER), ("finance", None), ("executive", None),
            ("appraisal_admin", None),
        )
    }  # fmt: skip
    owner = login_as(f"sec.{RUN}.owner", "account_manager", employee_id=OWNER)
    with httpx.Client(base_url=stack.url("gateway"), headers=admin_headers, timeout=15) as gw:
        body = f"91330000MB{int(RUN, 16) % 10**7:07d}"
        account = created(
            gw.post(
                "/v1/clients/accounts",
                json={
                    "legal_name": f"安全测试{RUN}有限公司",
                    "owner_id": OWNER,
                    "credit_code": body + credit_code_check_character(body),
                },
            )
        )
        under = f"/v1/clients/accounts/{account}"
        contact = created(gw.post(f"{under}/contacts", json={"name": "王经理"}))
        ids = {
            "account_id": account,
            "contact_id": contact,
            "visit_id": created(
                gw.post(f"{under}/visits", json={"planned_on": "2027-01-15", "purpose": "回访"})
            ),
            "assessment_id": created(
                gw.post(
                    f"{under}/assessments",
                    json={
                        "kind": "relationship",
                        "assessed_by": OWNER,
                        "dimensions": [{"code": "trust", "label": "信任度", "score": "4"}],
                    },
                )
            ),
            "contract_id": created(
                gw.post(
                    f"{under}/contracts",
                    json={
                        "number": f"SEC-{RUN}",
                        "title": "安全测试合同",
                        "amount": "1000.00",
                        "currency": "CNY",
                        "start_date": "2027-01-01",
                        "end_date": "2027-12-31",
                    },
                )
            ),
            "survey_id": created(
                gw.post(
                    f"{under}/surveys",
                    json={"period": "2026-Q4", "score": "4.50", "channel": "visit"},
                )
            ),
            "ticket_id": created(
                gw.post(
                    f"{under}/tickets",
                    json={
                        "kind": "complaint",
                        "severity": "low",
                        "channel": "phone",
                        "title": "安全测试工单",
                    },
                )
            ),
        }
        limit = gw.put(
            f"{under}/credit-limit",
            json={"amount": {"amount": "3000000.00", "currency": "CNY"}, "reason": "授信"},
        )
        assert limit.status_code in (200, 201), limit.text
        secrets = [E2E_ADMIN_PASSWORD, *(h["Authorization"][7:] for h in logins.values())]
        secrets += [admin_headers["Authorization"][7:], owner["Authorization"][7:]]
        secrets += [f"sec.{RUN}.{role}-password-2026" for role in (*logins, "owner")]
        yield World(gw, admin_headers, owner, logins["account_manager"], logins, ids, secrets)


# GET operations by what guards them. Owned: the data scope of clients (an account and all
# it holds) — another account manager gets 404, as if it did not exist. Shared: reference
# data every employee reads (org, positions, indicators, templates, cycles, rates).
# Appraisals are scoped too (own, reporting line) but take a whole cycle to make: the walk
# asks for one that does not exist; tests/kpi/appraisals and test_kpi_cycle cover the scope.
OWNED_PREFIXES = ("/v1/clients/",)
SHARED = re.compile(
    r"^/v1/(staff/(departments|positions|employees)/|kpi/(indicators|templates|cycles|org)/"
    r"|clients/(exchange-rates|products|competitors|pipeline-stages)/)"
)
NOT_FIXTURED = {"invoice_id", "task_id", "appraisal_id", "item_id", "approval_request_id"} | {
    "opportunity_id", "quotation_id", "bid_id", "competitor_presence_id", "ownership_dispute_id",
    "attachment_id", "note_id", "payment_id",
}  # fmt: skip
# (approval requests, the sales records of issue 22, the ownership disputes, attachments and
# notes of issue 23 are walked with their scope, for every persona, in tests/authz/test_walk.py;
# this e2e world does not create them)
# Target plans are scoped like appraisals (an account manager reads his own targets only);
# tests/kpi/targets/test_scope.py covers that scope.
SCOPED_KPI = ("/v1/kpi/appraisals/", "/v1/kpi/target-plans/")


def fill(path: str, ids: dict[str, int]) -> str:
    """The path with each parameter set to our object, or to an id nobody has."""
    values = {"currency": "USD", "on_date": "2026-11-30", "version_no": "1", "stage_code": "lead"}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ids:
            return str(ids[name])
        if name in values:
            return values[name]
        return str(MISSING if name in NOT_FIXTURED else 1)

    return re.sub(r"\{(\w+)\}", value, path)


def required_query(operation: dict[str, Any]) -> dict[str, Any]:
    """A value for each required query parameter, from its example or its type."""
    values: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query" or not parameter.get("required"):
            continue
        schema = parameter.get("schema", {})
        if "examples" in schema or "example" in parameter:
            values[parameter["name"]] = parameter.get("example", (schema.get("examples") or [0])[0])
        elif "enum" in schema:
            values[parameter["name"]] = schema["enum"][0]
        elif schema.get("type") == "integer":
            values[parameter["name"]] = max(schema.get("minimum", 1), 2026 if "year" in
                                            parameter["name"] else 1)  # fmt: skip
        else:
            values[parameter["name"]] = "2026-11-30" if schema.get("format") == "date" else "x"
    return values


def test_object_level_authorisation_on_every_read_by_id(world: World) -> None:
    gw, checked = world.gateway, 0
    unclassified: list[str] = []
    for _, path, operation in operations(("get",)):
        if "{" not in path:
            continue
        url = fill(path, world.ids)
        query = required_query(operation)
        roles = roles_of(operation) or set()
        as_other = no_internals(gw.get(url, params=query, headers=world.other))
        if not roles & {"account_manager", "employee"}:
            assert as_other.status_code == 403, (path, as_other.text)  # function level
        elif path.startswith(OWNED_PREFIXES) and not SHARED.match(path):
            assert as_other.status_code == 404, (path, as_other.status_code, as_other.text)
            as_admin = no_internals(gw.get(url, params=query))
            as_owner = no_internals(gw.get(url, params=query, headers=world.owner))
            assert as_owner.status_code == as_admin.status_code, (path, as_owner.text)
            if not set(re.findall(r"\{(\w+)\}", path)) & NOT_FIXTURED:
                assert as_admin.status_code == 200, (path, as_admin.text)
        elif SHARED.match(path) or path.startswith(SCOPED_KPI):
            assert as_other.status_code in (200, 404), (path, as_other.text)
        else:
            unclassified.append(path)
        checked += 1
    assert unclassified == [], f"decide how these reads are guarded: {unclassified}"
    assert checked >= 50


def test_every_write_refuses_a_role_its_policy_leaves_out(world: World) -> None:
    refused: list[str] = []
    wrong: list[str] = []
    for method, path, operation in operations(WRITE_METHODS):
        roles = roles_of(operation)
        if roles is None or "employee" in roles:
            continue  # public, or open to every login (own profile, own appraisal steps)
        outsider = next(
            (role for role in ("executive", "account_manager", "finance", "appraisal_admin")
             if role not in roles),
            None,
        )  # fmt: skip
        assert outsider is not None, path
        response = no_internals(
            world.gateway.request(
                method.upper(), fill(path, world.ids), json={},
                headers={**world.by_role[outsider], "If-Match": '"1"',
                         "Idempotency-Key": str(uuid.uuid4())},
            )
        )  # fmt: skip
        (refused if response.status_code == 403 else wrong).append(
            f"{method.upper()} {path} as {outsider}: {response.status_code}"
        )
    assert wrong == [], "\n".join(wrong)
    assert len(refused) >= 40


@pytest.mark.parametrize(
    "member",
    [{"owner_id": OTHER}, {"grade": "A"}, {"credit_score": 100}, {"version": 99}, {"id": 1},
     {"created_at": "2020-01-01T00:00:00Z"}, {"archived_at": None}],
    ids=lambda member: next(iter(member)),
)  # fmt: skip
def test_patch_cannot_set_what_it_does_not_declare(world: World, member: dict) -> None:
    url = f"/v1/clients/accounts/{world.ids['account_id']}"
    before = world.gateway.get(url)
    response = no_internals(
        world.gateway.patch(
            url, json={"short_name": "改名", **member}, headers={"If-Match": before.headers["etag"]}
        )
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "urn:kam:problem:validation-error"
    assert world.gateway.get(url).json() == before.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/clients/accounts", {"legal_name": "多余字段有限公司", "owner_id": OWNER,
                                  "grade": "A"}),
        ("/v1/clients/accounts", {"legal_name": "多余字段有限公司", "owner_id": OWNER,
                                  "credit_score": 100}),
        ("/v1/staff/users", {"login": "sec.extra", "password": "long-enough-password",
                             "roles": ["employee"], "password_hash": "x"}),
        ("/v1/staff/api-keys", {"name": "自选密钥", "scopes": ["erp:write"], "key": "kam_mine"}),
    ],
)  # fmt: skip
def test_create_cannot_set_what_it_does_not_declare(world: World, path: str, body: dict) -> None:
    response = no_internals(world.gateway.post(path, json=body))
    assert response.status_code == 422, response.text


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged_tokens(real: str, jwks: dict[str, Any]) -> dict[str, str]:
    """Tokens an attacker can make from a real one and the published keys."""
    header_b64, payload_b64, signature = real.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    promoted = b64(json.dumps({**claims, "roles": ["admin", "employee"]}).encode())
    public = jwks["keys"][0]

    def signed_hs256(secret: bytes) -> str:
        signing_input = f"{b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{payload_b64}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"

    impostor = SigningKey(kid=public["kid"], private_key=Ed25519PrivateKey.generate())
    return {
        "tampered roles": f"{header_b64}.{promoted}.{signature}",
        "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{promoted}.",
        "alg None": f"{b64(json.dumps({'alg': 'None'}).encode())}.{promoted}.",
        "HS256 with the public JWK": signed_hs256(json.dumps(public).encode()),
        "HS256 with the public key bytes": signed_hs256(
            base64.urlsafe_b64decode(public.get("x", "") + "==")
        ),
        "signature stripped": f"{header_b64}.{payload_b64}.",
        "another key under the real kid": issue_token(
            impostor,
            subject=claims["sub"],
            lifetime_seconds=600,
            roles=frozenset({"admin", "employee"}),
            employee_id=claims.get("employee_id"),
        ),
    }


def test_forged_tokens_are_refused_by_every_process(stack: Stack, world: World) -> None:
    jwks = httpx.get(f"{stack.url('gateway')}/v1/auth/jwks", timeout=10).json()
    real = world.other["Authorization"][7:]
    paths = {"gateway": "/v1/clients/accounts", "clients": "/v1/clients/accounts",
             "staff": "/v1/staff/users", "kpi": "/v1/kpi/indicators"}  # fmt: skip
    for name, token in forged_tokens(real, jwks).items():
        for process, path in paths.items():
            response = no_internals(
                httpx.get(
                    stack.url(process) + path,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                )
            )
            assert response.status_code == 401, (name, process, response.text)


def session_started(stack: Stack) -> datetime:
    """When the oldest process of this run's stack started (older log lines are not ours)."""
    started = min(psutil.Process(p.pid).create_time() for p in stack.processes.values())
    return datetime.fromtimestamp(started - 5, UTC)


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
API_KEY = re.compile(r"kam_[A-Za-z0-9]{6,}_[A-Za-z0-9-]{12,}")
WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{8,}")


def test_logs_hold_no_password_token_or_key(stack: Stack, world: World) -> None:
    """Runs last in this module: the logs of every process of this run, the fuzzing
    stack's included, hold none of the secrets this run used, nor anything shaped like one."""
    key = world.gateway.post(
        "/v1/staff/api-keys", json={"name": f"日志{RUN}", "scopes": ["erp:write"]}
    )
    assert key.status_code == 201, key.text
    httpx.get(
        f"{stack.url('gateway')}/v1/clients/accounts",
        headers={"X-API-Key": key.json()["key"]},
        timeout=10,
    )
    world.gateway.post("/v1/auth/token", data={"username": "e2e.admin", "password": "wrong-pw"})
    time.sleep(0.5)  # let the processes flush
    since = session_started(stack)
    secrets = [*world.secrets, key.json()["key"]]
    found: list[str] = []
    for log in sorted((OUTPUT_DIR / "logs").rglob("*.log")):
        stamp = None
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            # A traceback or a plain line is as recent as the line before it.
            with contextlib.suppress(ValueError, KeyError, TypeError):
                stamp = datetime.fromisoformat(json.loads(line)["timestamp"])
            if stamp is None or stamp < since:
                continue
            hits = [s[:12] + "…" for s in secrets if s in line]
            hits += [p.pattern[:12] for p in (JWT, API_KEY, WEBHOOK_SECRET) if p.search(line)]
            if "wrong-pw" in line:
                hits.append("a tried password")
            if hits:
                found.append(f"{log}:{number}: {hits}")
    assert found == [], "\n".join(found[:20])

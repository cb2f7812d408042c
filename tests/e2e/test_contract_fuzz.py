"""Contract fuzzing: schemathesis drives every operation of the gateway's merged contract
through the gateway, with real credentials, and every default check must hold.

The committed merged document (``docs/openapi/gateway.json``, which a test keeps equal to
what the gateway serves) is loaded at import, so pytest shows one test per operation and
role. The system under test is a stack of its own on a database of its own: fuzzing writes
thousands of random records and must neither see nor disturb the other end-to-end tests.

``make test`` (CI) runs a bounded, derandomized pass (``KAM_FUZZ_MAX_EXAMPLES``, default 2
per operation and phase: the same cases every build); ``make fuzz`` runs a longer one with
a random seed.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import with_database
from shared.messages import translate_detail
from tests.conftest import OUTPUT_DIR, service_url
from tests.settings import TestSettings

# `make test` runs it bounded (2 examples per operation and phase, about 5 minutes);
# `make fuzz` runs it longer.
pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

SETTINGS = TestSettings()
DOCUMENT = Path("docs/openapi/gateway.json")
# Signs of internals that must never reach a caller (checked on every 4xx/5xx body).
LEAKS = re.compile(r"Traceback|sqlalchemy|asyncpg|psycopg|SELECT |INSERT INTO|UPDATE .* SET ")

CONFIG: dict[str, object] = {
    "generation": {
        "mode": "all",  # valid and invalid data: the acceptance and rejection checks
        "max-examples": SETTINGS.fuzz_max_examples,
        # No seed (CI): derandomized, the same cases every run. `make fuzz` passes a seed.
        "deterministic": SETTINGS.fuzz_seed is None,
        "no-shrink": True,  # a failure is reported as found; shrinking costs minutes
        # The fuzzer signs in with real logins; made-up credentials are ignored_auth's job.
        "with-security-parameters": False,
    },
    "checks": {
        # Schema-valid input may still break a domain rule: an unknown parent, a cursor
        # that does not decode, a state that forbids the step. Those refusals (400, 409,
        # 412, 422, 428) are documented answers; that the request *validator* never refuses
        # schema-valid input is checked by `validator_accepts_valid_data` below. 415: for a
        # file upload (accounts import) schemathesis may send `Content-Type: null`.
        "positive_data_acceptance": {
            "expected-statuses": ["2XX", 400, 401, 403, 404, 409, 412, 415, 422, 428, 429],
        },
        # A missing If-Match is answered 428 Precondition Required (RFC 6585), the status
        # made for it; the contract declares the header required.
        "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
    },
    "request-timeout": 15,
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
}
if SETTINGS.fuzz_seed is not None:
    CONFIG["seed"] = SETTINGS.fuzz_seed
SCHEMA = schemathesis.openapi.from_dict(
    json.loads(DOCUMENT.read_text()), config=schemathesis.Config.from_dict(CONFIG)
)


@dataclass
class Tally:
    """What the run did, written to test-output/fuzz-summary.json."""

    operations: set[str] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


TALLY = Tally()


@dataclass
class FuzzStack:
    """The stack under fuzzing and the credentials the fuzzer signs in with."""

    stack: Stack
    admin: dict[str, str]
    account_manager: dict[str, str]
    protected_user_ids: frozenset[int]

    @property
    def gateway(self) -> str:
        return self.stack.url("gateway")

    def throwaway_login(self, *roles: str) -> tuple[int, dict[str, str]]:
        """A new login, for operations that end the caller's own session."""
        login = f"fuzz.throwaway.{uuid.uuid4().hex[:10]}"
        password = f"{login}-password"
        created = httpx.post(
            f"{self.gateway}/v1/staff/users",
            json={"login": login, "password": password, "roles": list(roles)},
            headers=self.admin,
            timeout=15,
        )
        assert created.status_code == 201, created.text
        return created.json()["id"], sign_in(self.gateway, login, password)


def sign_in(gateway: str, login: str, password: str) -> dict[str, str]:
    token = httpx.post(
        f"{gateway}/v1/auth/token", data={"username": login, "password": password}, timeout=15
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="module")
def fuzz_stack(test_settings: TestSettings) -> Iterator[FuzzStack]:
    """Four real processes on a fresh database, an administrator and an account manager."""
    url = with_database(test_settings.database_url, f"kam_fuzz_{uuid.uuid4().hex[:8]}")
    asyncio.run(prepare_database(url, test_settings.role_prefix))
    stack = Stack(
        host="127.0.0.1",
        ports=Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()),
        log_dir=OUTPUT_DIR / "logs" / "fuzz",
    )
    env = process_environment(
        url,
        {
            "KAM_LOG_JSON": "true",
            "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "10",
            "GATEWAY_API_KEY_CACHE_SECONDS": "0",
            # One caller sends thousands of requests: the limiter is proven elsewhere.
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_RATE_LIMIT_BURST": "100000",
            # A long `make fuzz` outlives the default 10-minute access token.
            "STAFF_ACCESS_TOKEN_MINUTES": "60",
        },
    )
    try:
        stack.start(env)
        admin_password = f"fuzz-admin-{uuid.uuid4().hex}"
        admin_id = asyncio.run(
            create_admin(
                service_url(url, "staff", test_settings.role_prefix), "fuzz.admin", admin_password
            )
        )
        admin = sign_in(stack.url("gateway"), "fuzz.admin", admin_password)
        running = FuzzStack(stack, admin, {}, frozenset({admin_id}))
        manager_id, running.account_manager = running.throwaway_login("account_manager")
        running.protected_user_ids = frozenset({admin_id, manager_id})
        yield running
    finally:
        stack.stop()
        asyncio.run(drop_database(url))
        write_summary()


def write_summary() -> None:
    summary = {
        "operations": len(TALLY.operations),
        "calls": sum(TALLY.calls.values()),
        "calls_per_role": dict(TALLY.calls),
        "statuses": {str(status): count for status, count in sorted(TALLY.statuses.items())},
    }
    OUTPUT_DIR.mkdir(exist_ok=True)
    (OUTPUT_DIR / "fuzz-summary.json").write_text(json.dumps(summary, indent=2))


def no_internals_in_errors(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """An error body never shows a stack trace, SQL or a driver's name."""
    if response.status_code >= 400:
        leak = LEAKS.search(response.text or "")
        assert leak is None, f"{leak} in a {response.status_code} body: {response.text[:500]}"
    return None


def validator_accepts_valid_data(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Input the contract calls valid never fails a rule the contract states (a type, a
    length, a pattern, a required member): where it does, the schema and the validator
    disagree. Not counted: rules across fields (``value_error``), which JSON Schema cannot
    state, and bounds on decimals (``"0"`` for a positive amount): a decimal is a string in
    the contract, whose pattern cannot state a range. Bounds on integers are stated
    (minimum, maximum), so valid data never breaks them and nothing is lost here."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422 or "urn:kam:problem:validation-error" not in response.text:
        return None
    problem = json.loads(response.text)
    if problem.get("detail") not in SCHEMA_DETAILS:
        return None  # a rule of the product's (an inactive employee), not of the schema
    errors = problem.get("errors", [])
    unstated = [e["loc"] for e in errors if e.get("type") in UNSTATABLE_ERRORS]
    stated = [
        error
        for error in errors
        if error.get("type") not in UNSTATABLE_ERRORS
        # a list left empty by its refused items fails again, as a consequence
        and not any(loc[: len(error["loc"])] == error["loc"] for loc in unstated)
    ]
    assert stated == [], f"schema-valid input failed validation: {stated}"
    return None


EXTRA_CHECKS = [no_internals_in_errors, validator_accepts_valid_data]

# The detail of a request the schema refuses (shared.error_handlers), in either language:
# a domain rule's 422 has the same problem type (one validation type) but its own detail.
SCHEMA_DETAILS = {
    "The request does not validate; see errors.",
    translate_detail("The request does not validate; see errors.", "zh-CN"),
}


# Errors of model validators (rules across fields), which JSON Schema cannot state.
CROSS_FIELD_ERRORS = {"value_error", "assertion_error"}
DECIMAL_BOUND_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
UNSTATABLE_ERRORS = CROSS_FIELD_ERRORS | DECIMAL_BOUND_ERRORS
# Answers 503 by design: staff's outbox delivers a handover and retries it while clients
# has not yet heard of the successor (the org event travels separately); the 503 says
# "retry later" and is checked below to be exactly that, and nothing else may be a 5xx.
RETRY_LATER = {"POST /v1/clients/handovers": [not_a_server_error, positive_data_acceptance]}
# Operations that end the session of whoever calls them run with a login of their own.
OWN_SESSION_ENDERS = {"POST /v1/auth/logout", "POST /v1/auth/password", "DELETE /v1/me/sessions"}


def fuzz(case: Case, fuzz_stack: FuzzStack, role: str) -> None:
    headers = fuzz_stack.admin if role == "admin" else fuzz_stack.account_manager
    label = case.operation.label
    if label in OWN_SESSION_ENDERS:
        headers = fuzz_stack.throwaway_login(role)[1]
    # Never deactivate, demote or end the sessions of the logins the fuzzer signs in with.
    # (A phase may send the id as text: "1" names the administrator as well as 1 does.)
    targets = str((case.path_parameters or {}).get("user_id"))
    if case.path.startswith("/v1/staff/users/{user_id}") and targets in {
        str(user_id) for user_id in fuzz_stack.protected_user_ids
    }:
        case.path_parameters["user_id"] = fuzz_stack.throwaway_login("employee")[0]
    excluded = RETRY_LATER.get(label, [])
    response = case.call_and_validate(
        base_url=fuzz_stack.gateway,
        headers=headers,
        additional_checks=EXTRA_CHECKS,
        excluded_checks=excluded,
    )
    if excluded and response.status_code >= 500:
        assert response.status_code == 503, response.text
        assert response.json().get("reason") == "successor_unknown", response.text
    TALLY.operations.add(case.operation.label)
    TALLY.calls[role] += 1
    TALLY.statuses[response.status_code] += 1


@SCHEMA.parametrize()
def test_contract_as_admin(case: Case, fuzz_stack: FuzzStack) -> None:
    fuzz(case, fuzz_stack, "admin")


@SCHEMA.parametrize()
def test_contract_as_account_manager(case: Case, fuzz_stack: FuzzStack) -> None:
    """A lower role: most writes and every administration answer 403, as documented."""
    fuzz(case, fuzz_stack, "account_manager")

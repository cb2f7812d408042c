"""Clients generated from the merged contract, the way integrators make them, drive the
system through the running gateway.

- Python: ``openapi-python-client`` (a dev dependency) generates a package with **no**
  warning (nothing skipped, no response left untyped); the package is imported and runs
  an ERP flow (API key, signed events, a receipt with warnings, the event's status) and an
  account manager's "my day" (visits, inbox, an account read and changed with its ETag).
- TypeScript: ``openapi-typescript`` generates the types (npm, pinned versions, installed
  into test-output/); ``tsc --noEmit --strict`` checks a small screen module that uses the
  "my day" and ERP shapes, and lines marked ``@ts-expect-error`` prove the types refuse
  what the contract forbids. Without npm the test fails: it does not skip.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.processes import Stack
from services.clients.settings import ClientsSettings
from shared.periods import company_day
from shared.webhooks import signature_headers
from tests.clients.conftest import credit_code
from tests.conftest import E2E_ERP_WEBHOOK_SECRET, OUTPUT_DIR, LoginFactory

pytestmark = pytest.mark.e2e

PACKAGE = "kam_generated_client"
GENERATOR_CONFIG = {
    # Spreadsheet uploads and attachment downloads (any type: */*) are bytes to a client;
    # the generator knows them by this name.
    "content_type_overrides": {
        "*/*": "application/octet-stream",
        "text/csv": "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
            "application/octet-stream"
        ),
    },
    "post_hooks": [],
}
NPM_PACKAGES = ("openapi-typescript@7.13.0", "typescript@5.9.3")
TYPESCRIPT_DIR = (OUTPUT_DIR / "typescript-client").resolve()


@pytest.fixture(scope="module")
def contract_file(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The merged contract as the gateway serves it."""
    response = httpx.get(f"{stack.url('gateway')}/openapi.json", timeout=60)
    assert response.status_code == 200
    assert "x-unavailable-services" not in response.json()["info"]
    path = tmp_path_factory.mktemp("contract") / "openapi.json"
    path.write_text(response.text, encoding="utf-8")
    return path


def generate_python_client(contract: Path, into: Path) -> str:
    """Run the generator as an integrator would; its whole output."""
    config = into.parent / "generator.json"
    config.write_text(json.dumps(GENERATOR_CONFIG), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(contract),
         "--output-path", str(into), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def generated(contract_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("python-client")
    output = generate_python_client(contract_file, root / PACKAGE)
    assert "warning" not in output.lower(), output
    assert "Endpoint will not be generated" not in output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def module(package: Any, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_every_json_answer_of_the_contract_has_a_type(generated: Any, contract_file: Path) -> None:
    """No operation's success answer came out as ``None`` (an unresolved schema)."""
    contract = json.loads(contract_file.read_text(encoding="utf-8"))
    untyped = []
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            tag = operation["tags"][0].replace(" ", "_").replace("-", "_")
            source = Path(module(generated, f"api.{tag}.{operation['operationId']}").__file__)
            text = source.read_text(encoding="utf-8")
            for status, answer in operation["responses"].items():
                json_answer = "application/json" in answer.get("content", {})
                dropped = f"response_{status} = " not in text  # no parsing of that answer
                if status.startswith("2") and json_answer and dropped:
                    untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []


def signing_hook(secret: str) -> Callable[[httpx.Request], None]:
    """Sign each delivery over the exact bytes the generated client sends (Standard
    Webhooks), as the ERP does."""

    def sign(request: httpx.Request) -> None:
        if request.method != "POST":
            return  # the ERP reading its events' status
        body = request.read()
        event_id = json.loads(body)["id"]
        request.headers.update(signature_headers([secret], event_id, body))

    return sign


def until(call: Callable[[], Any], ok: Callable[[Any], bool], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = call()
        if ok(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def test_an_erp_flow_and_my_day_through_the_generated_python_client(
    generated: Any, stack: Stack, admin_headers: dict[str, str], login_as: LoginFactory
) -> None:
    models = module(generated, "models")
    client_module = module(generated, "client")
    gateway = stack.url("gateway")
    admin = client_module.AuthenticatedClient(
        base_url=gateway, token=admin_headers["Authorization"].split()[1], timeout=30
    )

    # Staff: an employee (create_employee was not generated before titles were unique).
    code = uuid.uuid4().hex[:6].upper()
    employee = module(generated, "api.employees.create_employee").sync(
        client=admin,
        body=models.EmployeeCreate(
            employee_no=f"G{code}", name="生成客户端员工", hire_date=datetime.date(2024, 3, 1)
        ),
    )
    assert isinstance(employee, models.EmployeeRead), employee
    seed = int(code, 16) % 9_000_000 + 1_000_000
    account_code = credit_code(seed)
    create_account = module(generated, "api.accounts.create_account")
    created = until(
        lambda: create_account.sync_detailed(
            client=admin,
            body=models.AccountCreate(
                legal_name=f"生成客户端客户{code}", owner_id=employee.id, credit_code=account_code
            ),
        ),
        lambda response: response.status_code == 201,
    )  # the org copy learns of the employee asynchronously
    assert created.status_code == 201, created.content
    account = created.parsed
    assert created.headers["location"] == f"/v1/clients/accounts/{account.id}"

    # The ERP's key, with a scope from the published list.
    scopes = module(generated, "api.api_keys.list_api_key_scopes").sync(client=admin)
    assert models.ApiKeyScope("erp:write") in [entry.scope for entry in scopes]
    key = module(generated, "api.api_keys.create_api_key").sync(
        client=admin,
        body=models.ApiKeyCreate(name=f"ERP {code}", scopes=[models.ApiKeyScope("erp:write")]),
    )
    erp = client_module.AuthenticatedClient(
        base_url=gateway, token=key.key, prefix="", auth_header_name="X-API-Key", timeout=30,
        httpx_args={"event_hooks": {"request": [signing_hook(E2E_ERP_WEBHOOK_SECRET)]}},
    )  # fmt: skip
    receive = module(generated, "api.receivables.receive_erp_webhook")
    get_event = module(generated, "api.receivables.get_erp_event")

    def money(amount: str) -> Any:
        return models.Money(amount=amount, currency="CNY")

    def deliver(event: Any) -> Any:
        # The hook replaces the three placeholders with the real signature headers.
        return receive.sync(
            client=erp, body=event, webhook_id=event.id, webhook_timestamp="0",
            webhook_signature="v1,placeholder",
        )  # fmt: skip

    invoice = models.InvoiceUpserted(
        id=f"evt_g_{code}_1",
        type_="invoice.upserted",
        data=models.ErpInvoice(
            document_no=f"INV-G-{code}",
            account_ref=account_code,
            total=money("1000.00"),
            issue_date=datetime.date(2026, 11, 1),
            due_lines=[
                models.ErpDueLine(
                    line_no=1, due_date=datetime.date(2026, 12, 1), amount=money("1000.00")
                )
            ],
            status=models.ErpInvoiceStatus.OPEN,
            version=1,
        ),
    )
    first = deliver(invoice)
    assert isinstance(first, models.DeliveryReceipt), first
    assert first.outcome == models.DeliveryOutcome.APPLIED
    payment = models.PaymentReceived(
        id=f"evt_g_{code}_2",
        type_="payment.received",
        data=models.ErpPayment(
            erp_ref=f"PAY-G-{code}",
            account_ref=account_code,
            amount=money("1200.00"),
            received_on=datetime.date(2026, 11, 20),
            allocations=[
                models.ErpAllocation(
                    document_no=f"INV-G-{code}", line_no=1, amount=money("1200.00")
                )
            ],
        ),
    )
    receipt = deliver(payment)
    assert receipt.outcome == models.DeliveryOutcome.APPLIED_WITH_WARNINGS
    [reason] = receipt.reasons
    assert reason.code == models.ReasonCode.EXCEEDS_OPEN_AMOUNT
    assert reason.unapplied.amount == "200.00"
    status = get_event.sync(event_id=payment.id, client=erp)
    assert isinstance(status, models.ErpEventStatus), status
    assert status.outcome == models.DeliveryOutcome.APPLIED_WITH_WARNINGS

    # My day, as the account's manager: today's visit, the inbox, the account by its ETag.
    me = login_as(f"g.kam.{code.lower()}", "account_manager", employee_id=employee.id)
    kam = client_module.AuthenticatedClient(
        base_url=gateway, token=me["Authorization"].split()[1], timeout=30
    )
    today = company_day(datetime.datetime.now(datetime.UTC), ClientsSettings().timezone)
    visit = module(generated, "api.visits.create_visit").sync(
        account_id=account.id, client=kam, body=models.VisitCreate(planned_on=today)
    )
    assert isinstance(visit, models.VisitRead), visit
    visits = module(generated, "api.visits.list_visits").sync(
        client=kam, planned_from=today, planned_to=today
    )
    assert [v.id for v in visits.items] == [visit.id]
    inbox = module(generated, "api.inbox.my_inbox").sync(client=kam)
    assert isinstance(inbox, models.InboxPage), inbox
    read = module(generated, "api.accounts.get_account").sync_detailed(
        account_id=account.id, client=kam
    )
    assert read.status_code == 200 and read.headers["etag"] == f'"{read.parsed.version}"'
    changed = module(generated, "api.accounts.update_account").sync_detailed(
        account_id=account.id, client=kam, body=models.AccountUpdate(region="华东"),
        if_match=read.headers["etag"],
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.parsed.region == "华东"
    stale = module(generated, "api.accounts.update_account").sync_detailed(
        account_id=account.id, client=kam, body=models.AccountUpdate(region="华北"),
        if_match=read.headers["etag"],
    )  # fmt: skip
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.current_etag == changed.headers["etag"]


SCREEN = """\
import type { components, operations, paths } from "./kam";

type Schemas = components["schemas"];

// My day: today's visits and the inbox, with names, not only ids.
type Visits = paths["/v1/clients/visits"]["get"]["responses"][200]["content"]["application/json"];
type Inbox = operations["my_inbox"]["responses"][200]["content"]["application/json"];

export function myDay(visits: Visits, inbox: Inbox): string[] {
  const planned = visits.items.map((v) => `${v.account_id} ${v.planned_on ?? ""} ${v.status}`);
  const todo = inbox.items.map((i) => `${i.kind_label}: ${i.title} (${i.account_name ?? ""})`);
  return [...planned, ...todo];
}

// Changing a record needs its ETag: the header is required and the read declares it.
type Patch = operations["update_account"]["parameters"]["header"];
export const patchHeaders: Patch = { "if-match": '"3"' };
// @ts-expect-error If-Match is required
export const noIfMatch: Patch = {};
type ReadHeaders = operations["get_account"]["responses"][200]["headers"];
export const etagOf = (h: ReadHeaders): string | undefined => h.ETag;

// The ERP's events: a union narrowed on `type`.
export function describe(event: Schemas["ErpEvent"]): string {
  switch (event.type) {
    case "invoice.upserted":
      return `${event.data.document_no} ${event.data.total.amount} ${event.data.total.currency}`;
    case "payment.received":
      return `${event.data.erp_ref} → ${event.data.allocations?.map((a) => a.document_no)}`;
    case "payment.reversed":
      return `${event.data.erp_ref} reversed on ${event.data.reversed_on}`;
    default: {
      const none: never = event;
      return none;
    }
  }
}

type Receipt = operations["receive_erp_webhook"]["responses"][200]["content"]["application/json"];
export const outcomes: Receipt["outcome"][] = [
  "applied", "applied_with_warnings", "conflict", "pending", "duplicate",
];
// @ts-expect-error an outcome the contract does not have
export const unknownOutcome: Receipt["outcome"] = "ok";
export const unapplied = (r: Receipt): string[] =>
  (r.reasons ?? []).map((reason) => `${reason.code} ${reason.unapplied?.amount ?? ""}`);
// @ts-expect-error money is a decimal string, never a number
export const wrongMoney: Schemas["Money"] = { amount: 12.5, currency: "CNY" };

type Status = operations["get_erp_event"]["responses"][200]["content"]["application/json"];
export const waitingFor = (s: Status): string | null => s.waiting_for;
type Conflict = Schemas["Problem"];
export const why = (p: Conflict): unknown[] => [p.current_status, p.allowed, p.current_etag];
"""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{output[-4000:]}"
    return output


def test_typescript_types_type_check_a_my_day_and_erp_screen(contract_file: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the TypeScript types cannot be generated (node 20+)")
    TYPESCRIPT_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "npm_config_cache": str(TYPESCRIPT_DIR / ".npm")}
    manifest = TYPESCRIPT_DIR / "package.json"
    if not manifest.exists():
        manifest.write_text('{"private": true}\n', encoding="utf-8")
    run([npm, "install", "--no-audit", "--no-fund", "--save-exact", *NPM_PACKAGES],
        TYPESCRIPT_DIR, env)  # fmt: skip
    binaries = TYPESCRIPT_DIR / "node_modules" / ".bin"
    generated = run(
        [str(binaries / "openapi-typescript"), str(contract_file), "-o", "kam.d.ts"],
        TYPESCRIPT_DIR, env,
    )  # fmt: skip
    assert "warn" not in generated.lower(), generated
    (TYPESCRIPT_DIR / "screen.ts").write_text(SCREEN, encoding="utf-8")
    run([str(binaries / "tsc"), "--noEmit", "--strict", "--target", "es2022", "--module",
         "esnext", "--moduleResolution", "bundler", "screen.ts"], TYPESCRIPT_DIR, env)  # fmt: skip

"""The four real processes, reached through the gateway over real HTTP."""

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from deploy.processes import Stack

pytestmark = pytest.mark.e2e


def wait_for(
    call: Callable[[], httpx.Response], status: int, seconds: float = 15
) -> httpx.Response:
    """Repeat ``call`` until it answers ``status`` (events travel asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> httpx.Client:
    with httpx.Client(base_url=stack.url("gateway"), timeout=10, headers=admin_headers) as client:
        yield client


def test_gateway_reports_every_upstream_ready(gateway: httpx.Client) -> None:
    response = gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json()["upstreams"] == {"clients": "ready", "staff": "ready", "kpi": "ready"}


def test_each_service_is_reached_through_the_gateway(gateway: httpx.Client, stack: Stack) -> None:
    code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    created = gateway.post("/v1/staff/departments", json={"code": code, "name": "端到端测试组"})
    assert created.status_code == 201, created.text
    assert created.headers["location"].startswith("/v1/staff/departments/")
    fetched = gateway.get(created.headers["location"])
    assert fetched.json()["code"] == code
    assert fetched.headers["etag"] == '"1"'

    # The owner must be an active employee in clients' org copy: staff's outbox tells
    # clients about a new employee, with its service credential.
    employee = gateway.post(
        "/v1/staff/employees",
        json={"employee_no": f"E{code[-6:]}", "name": "端到端员工", "hire_date": "2024-03-01"},
    )
    assert employee.status_code == 201, employee.text
    owner_id = employee.json()["id"]
    body = {"legal_name": f"端到端客户{code}", "owner_id": owner_id}
    account = wait_for(lambda: gateway.post("/v1/clients/accounts", json=body), 201)
    assert account.status_code == 201, account.text
    listed = gateway.get("/v1/clients/accounts", params={"q": code})
    assert [a["legal_name"] for a in listed.json()["items"]] == [f"端到端客户{code}"]

    indicator_code = f"e2e_{uuid.uuid4().hex[:6]}"
    indicator = gateway.post(
        "/v1/kpi/indicators",
        json={"code": indicator_code, "name": "满意度", "unit": "分", "kind": "manual"},
    )
    assert indicator.status_code == 201, indicator.text
    assert gateway.get(f"/v1/kpi/indicators/{indicator.json()['id']}").status_code == 200


def test_merged_contract_and_docs_list_all_services(gateway: httpx.Client) -> None:
    document = gateway.get("/openapi.json").json()
    prefixes = {path.split("/")[2] for path in document["paths"]}
    assert {"clients", "staff", "kpi"} <= prefixes
    operation_ids = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {
        "list_accounts",
        "list_departments",
        "list_indicators",
    } <= set(operation_ids)
    assert "x-unavailable-services" not in document["info"]
    page = gateway.get("/docs")
    assert page.status_code == 200
    assert "/docs-static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert gateway.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    assert gateway.get("/redoc").status_code == 200


def test_unknown_route_is_404_problem(gateway: httpx.Client) -> None:
    response = gateway.get("/v1/nothing/here", headers={"X-Request-ID": "probe-404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "probe-404"


def test_malformed_json_is_422_with_location(gateway: httpx.Client) -> None:
    response = gateway.post(
        "/v1/staff/departments",
        content=b'{"code": "X",',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][0] == "body"


def test_body_over_the_limit_is_413(gateway: httpx.Client) -> None:
    big = b'{"code": "X", "name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = gateway.post(
        "/v1/staff/departments", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "urn:kam:problem:payload-too-large"


def test_request_id_reaches_the_service_and_logs_are_json(
    gateway: httpx.Client, stack: Stack
) -> None:
    request_id = f"trace-{uuid.uuid4().hex}"
    response = gateway.get("/v1/clients/accounts/999999", headers={"X-Request-ID": request_id})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == request_id
    assert response.json()["request_id"] == request_id
    assert stack.log_dir is not None
    log_path = Path(stack.log_dir) / "clients.log"
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    assert all(line.get("service") == "clients" for line in lines)


def test_a_dead_service_is_503_and_the_others_keep_working(
    gateway: httpx.Client, stack: Stack
) -> None:
    stack.stop_process("kpi", kill=True)
    try:
        down = gateway.get("/v1/kpi/indicators", headers={"X-Request-ID": "while-down"})
        assert down.status_code == 503
        assert down.json()["request_id"] == "while-down"
        assert gateway.get("/v1/clients/accounts").status_code == 200
        assert gateway.get("/v1/staff/departments").status_code == 200
        assert gateway.get("/readyz").json()["upstreams"]["kpi"].startswith("unreachable")
    finally:
        stack.start_process("kpi")
        stack.wait_ready("kpi")
    assert gateway.get("/v1/kpi/indicators").status_code == 200

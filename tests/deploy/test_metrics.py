"""``/metrics`` on every process: requests by route template and status, the DB pool, the
outbox backlog and upstream errors, in Prometheus' text format, without a credential."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.test_runner import free_port
from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from shared.errors import ServiceUnavailable
from shared.http_client import ServiceClient
from shared.metrics import METRICS_PATH, UPSTREAM_REGISTRY, ServiceMetrics
from tests.conftest import bearer

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample as ``(name, labels) -> value``."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get(METRICS_PATH, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_requests_are_counted_by_route_template_and_status(
    staff_client: httpx.AsyncClient,
) -> None:
    before = await scrape(staff_client)
    template = "/v1/staff/departments/{department_id}"
    for department_id in (999_001, 999_002, 999_003):
        response = await staff_client.get(f"/v1/staff/departments/{department_id}")
        assert response.status_code == 404
    assert (await staff_client.get("/v1/staff/departments")).status_code == 200
    assert (await staff_client.get("/v1/staff/no-such-thing")).status_code == 404
    after = await scrape(staff_client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("kam_http_requests_total", route=template, status="404", method="GET") == 3
    assert moved("kam_http_requests_total", route="/v1/staff/departments", status="200") == 1
    assert moved("kam_http_requests_total", route="<unmatched>", status="404") == 1
    assert moved("kam_http_request_duration_seconds_count", route=template) == 3
    # the raw paths never become labels: cardinality stays bounded whatever callers send
    assert not any("999001" in str(labels) for _, labels in after)
    assert value(after, "process_resident_memory_bytes") > 0


async def test_metrics_is_outside_the_contract_and_needs_no_credential(
    staff_client: httpx.AsyncClient,
) -> None:
    document = (await staff_client.get("/openapi.json")).json()
    assert METRICS_PATH not in document["paths"]
    anonymous = await staff_client.get(METRICS_PATH, headers={"Authorization": ""})
    assert anonymous.status_code == 200
    assert "kam_http_requests_total" in anonymous.text


async def test_the_outbox_backlog_is_read_at_scrape_time(
    engines: dict[str, AsyncEngine],
) -> None:
    from services.staff.outbox import STAFF_OUTBOX

    metrics = ServiceMetrics("staff")
    metrics.watch_pool(engines["staff"])
    metrics.watch_outbox(lambda: engines["staff"], STAFF_OUTBOX)
    async with engines["staff"].begin() as connection:
        await connection.execute(
            STAFF_OUTBOX.insert(),
            [
                {"destination": "metrics-test", "path": "/x", "key": f"m{n}", "payload": {}}
                for n in range(4)
            ],
        )
    try:
        samples = parse((await metrics.exposition()).decode())
        assert value(samples, "kam_outbox_pending_messages", destination="metrics-test") == 4
        assert value(samples, "kam_outbox_oldest_pending_age_seconds") >= 0
        assert value(samples, "kam_db_pool_connections", state="size") == 5
    finally:
        async with engines["staff"].begin() as connection:
            await connection.execute(
                STAFF_OUTBOX.delete().where(STAFF_OUTBOX.c.destination == "metrics-test")
            )


async def test_the_staff_app_reports_its_outbox_and_pool(
    staff_client: httpx.AsyncClient,
) -> None:
    samples = await scrape(staff_client)
    assert ("kam_outbox_oldest_pending_age_seconds", frozenset({("service", "staff")})) in samples


async def test_the_gateway_counts_requests_per_upstream_and_upstream_errors() -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nobody listens: every call is unreachable
    settings = GatewaySettings(clients_url=closed, staff_url=closed, kpi_url=closed)
    app = create_gateway(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            before = await scrape(client)
            token = await client.post(
                "/v1/auth/token", data={"username": "x", "password": "y"}
            )  # public: forwarded to staff without a credential
            assert token.status_code == 503
            unauthenticated = await client.get("/v1/clients/accounts", headers=bearer("admin"))
            assert unauthenticated.status_code in {401, 503}
            after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("kam_upstream_errors_total", upstream="staff", kind="unreachable") >= 1
    assert moved("kam_http_requests_total", route="proxy:staff", status="503") == 1
    assert moved("kam_http_requests_total", route="/metrics", status="200") == 1


async def test_upstream_errors_of_service_clients_are_counted() -> None:
    def unreachable() -> float:
        samples = parse(generate_latest(UPSTREAM_REGISTRY).decode())
        return value(samples, "kam_upstream_errors_total", upstream="kpi", kind="unreachable")

    before = unreachable()
    client = ServiceClient("kpi", f"http://127.0.0.1:{free_port()}", retries=1, backoff_seconds=0)
    try:
        with pytest.raises(ServiceUnavailable):
            await client.request("GET", "/v1/kpi/cycles")
    finally:
        await client.aclose()
    assert unreachable() - before == 2  # the attempt and its retry

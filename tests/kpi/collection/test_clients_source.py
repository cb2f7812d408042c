"""The metrics batch's JSON read into actuals, and the source's batching and errors."""

from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.kpi.collection.clients_source import (
    METRICS_BATCH_PATH,
    ClientsMetricsSource,
    actuals_from_batch,
    batches,
)
from shared.errors import BadGateway, ServiceUnavailable
from shared.http_client import ServiceClient
from shared.periods import Month

METRICS = ["contract_value_signed", "new_accounts_signed", "visit_completion_rate",
           "mean_satisfaction", "churn_rate", "collection_rate"]  # fmt: skip


def item(employee_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "employee_id": employee_id, "contracts_signed": 2,
        "contract_value_signed": {"amount": "1250000.00", "currency": "CNY"},
        "new_accounts_signed": 1, "visits_planned": 10, "visits_done": 8,
        "visits_completed_total": 9, "visit_completion_rate": "80.00", "tickets_total": 0,
        "tickets_resolved": 0, "tickets_resolved_within_sla": 0, "tickets_overdue_unresolved": 0,
        "tickets_within_sla_rate": None, "surveys": 2, "mean_satisfaction": "4.50",
        "accounts_at_start": 20, "accounts_churned": 1, "churn_rate": "5.00", **overrides,
    }  # fmt: skip


def body(*items: dict[str, Any], period: str = "2026-11") -> dict[str, Any]:
    return {"period": period, "start_date": "2026-11-01", "end_date": "2026-11-30",
            "currency": "CNY", "items": list(items)}  # fmt: skip


def test_money_rates_counts_and_nulls_map_to_decimals_or_nothing() -> None:
    values, unavailable = actuals_from_batch(
        body(item(5), item(6, visit_completion_rate=None, mean_satisfaction=None,
                           contract_value_signed={"amount": "0.00", "currency": "CNY"})),
        [5, 6], METRICS, "CNY",
    )  # fmt: skip
    assert values == {
        (5, "contract_value_signed"): Decimal("1250000.00"),
        (5, "new_accounts_signed"): Decimal(1),
        (5, "visit_completion_rate"): Decimal("80.00"),
        (5, "mean_satisfaction"): Decimal("4.50"),
        (5, "churn_rate"): Decimal("5.00"),
        (6, "contract_value_signed"): Decimal("0.00"),
        (6, "new_accounts_signed"): Decimal(1),
        (6, "churn_rate"): Decimal("5.00"),
    }
    assert all(type(v) is Decimal for v in values.values())
    assert unavailable == {"collection_rate"}  # no item carries it: not provided yet


def test_employees_not_asked_for_are_ignored() -> None:
    values, _ = actuals_from_batch(body(item(5), item(7)), [5], ["new_accounts_signed"], "CNY")
    assert values == {(5, "new_accounts_signed"): Decimal(1)}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"items": "x"}, "no items"),
        ([], "no items"),
        (body({"contracts_signed": 1}), "no employee_id"),
        (body(item(5, churn_rate=5.0)), "not a float"),
        (body(item(5, churn_rate="5e2")), "plain decimal"),
        (body(item(5, churn_rate=True)), "boolean"),
        (body(item(5, contract_value_signed={"amount": "10.00", "currency": "USD"})), "USD"),
        (body(item(5, contract_value_signed={"amount": "1" + "0" * 15, "currency": "CNY"})),
         "contract_value_signed"),
    ],
)  # fmt: skip
def test_a_broken_answer_is_a_bad_gateway(answer: object, message: str) -> None:
    with pytest.raises(BadGateway, match=message):
        actuals_from_batch(answer, [5], METRICS, "CNY")


def test_batches_are_distinct_sorted_and_bounded() -> None:
    assert list(batches([3, 1, 2, 3, 5], 2)) == [[1, 2], [3, 5]]
    assert list(batches([], 2)) == []


def _source(handler: Any, *, batch_size: int = 1000) -> ClientsMetricsSource:
    client = ServiceClient(
        "clients", "http://clients", transport=httpx.MockTransport(handler), backoff_seconds=0
    )
    return ClientsMetricsSource(client, "CNY", batch_size=batch_size)


async def test_one_request_per_batch_not_per_person() -> None:
    seen: list[list[int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == METRICS_BATCH_PATH and request.method == "POST"
        asked = httpx.Response(200, content=request.content).json()
        seen.append(asked["employee_ids"])
        return httpx.Response(200, json=body(*(item(e) for e in asked["employee_ids"])))

    fetched = await _source(answer, batch_size=2).fetch(
        Month(2026, 11), [5, 6, 7], ["new_accounts_signed", "collection_rate"]
    )
    assert seen == [[5, 6], [7]]
    assert fetched.values == {(e, "new_accounts_signed"): Decimal(1) for e in (5, 6, 7)}
    assert fetched.unavailable == {"collection_rate"}
    assert fetched.fetched_at.tzinfo is not None


async def test_the_read_is_retried_on_a_passing_failure() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(503)
        return httpx.Response(200, json=body(item(5)))

    fetched = await _source(answer).fetch(Month(2026, 11), [5], ["churn_rate"])
    assert calls == 2 and fetched.values == {(5, "churn_rate"): Decimal("5.00")}


@pytest.mark.parametrize(
    ("status", "error"), [(500, BadGateway), (403, BadGateway), (503, ServiceUnavailable)]
)
async def test_upstream_errors_become_ours(status: int, error: type[Exception]) -> None:
    source = _source(lambda request: httpx.Response(status, json={"title": "no"}))
    with pytest.raises(error):
        await source.fetch(Month(2026, 11), [5], ["churn_rate"])


async def test_an_answer_for_another_period_is_refused() -> None:
    source = _source(lambda request: httpx.Response(200, json=body(item(5), period="2026-10")))
    with pytest.raises(BadGateway, match="2026-10"):
        await source.fetch(Month(2026, 11), [5], ["churn_rate"])

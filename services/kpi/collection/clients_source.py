"""Actuals from the clients service's metrics batch, read through the shared service client.

``POST /v1/clients/metrics/batch`` answers, per employee, the period's facts credited as
the clients service's crediting rule says (see that endpoint's description). One request
per batch of at most 1,000 employees; it is a read, so it is retried like a GET.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.kpi.appraisals.actuals import FetchedActuals
from services.kpi.appraisals.schemas import ActualSource
from shared.errors import BadGateway, ServiceUnavailable
from shared.http_client import ServiceClient
from shared.money import parse_exact_decimal
from shared.periods import Month, Quarter, Year

METRICS_BATCH_PATH = "/v1/clients/metrics/batch"
MAX_BATCH = 1000
"""The most employees the clients service accepts in one metrics request."""

_LARGEST_ACTUAL = Decimal(10) ** 14  # actuals are stored as NUMERIC(18, 4)


def batches(employee_ids: Iterable[int], size: int = MAX_BATCH) -> Iterator[list[int]]:
    """The distinct ``employee_ids`` in ascending order, ``size`` at a time."""
    ordered = sorted(set(employee_ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _value(raw: object, *, metric: str, employee_id: int, currency: str) -> Decimal | None:
    """One metric's value: a Money's amount, a decimal string or an int; null is no value."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        if raw.get("currency") != currency:
            raise BadGateway(
                f"clients reported {metric} of employee {employee_id} in "
                f"{raw.get('currency')!r}; KPI targets are in {currency}"
            )
        raw = raw.get("amount")
    try:
        value = parse_exact_decimal(raw)
    except ValueError as exc:
        raise BadGateway(
            f"clients reported an unreadable {metric} for employee {employee_id}: {exc}"
        ) from exc
    if abs(value) >= _LARGEST_ACTUAL:
        raise BadGateway(f"clients reported {metric} = {value} for employee {employee_id}")
    return value


def actuals_from_batch(
    body: object, employee_ids: Iterable[int], metrics: Sequence[str], currency: str
) -> tuple[dict[tuple[int, str], Decimal], frozenset[str]]:
    """The values of ``metrics`` for ``employee_ids`` in one metrics-batch answer.

    Money counts by its amount (it must be in ``currency``); decimal strings and integers
    as they are; ``null`` (a rate whose base is zero) gives no value. A metric no item
    carries at all is *unavailable* (the clients service does not report it, e.g.
    a metric an indicator names by mistake). Anything else malformed is a 502.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
        raise BadGateway("the clients metrics batch has no items")
    wanted = set(employee_ids)
    values: dict[tuple[int, str], Decimal] = {}
    reported: set[str] = set()
    for item in body["items"]:
        if not isinstance(item, Mapping):
            raise BadGateway("an item of the clients metrics batch is not an object")
        employee_id = item.get("employee_id")
        if not isinstance(employee_id, int) or isinstance(employee_id, bool):
            raise BadGateway("an item of the clients metrics batch has no employee_id")
        if employee_id not in wanted:
            continue
        for metric in metrics:
            if metric not in item:
                continue
            reported.add(metric)
            value = _value(item[metric], metric=metric, employee_id=employee_id, currency=currency)
            if value is not None:
                values[(employee_id, metric)] = value
    return values, frozenset(metrics) - reported


class ClientsMetricsSource:
    """The period's actuals of a population from ``POST /v1/clients/metrics/batch``."""

    source = ActualSource.CLIENTS_METRICS
    endpoint = f"POST {METRICS_BATCH_PATH}"

    def __init__(self, client: ServiceClient, currency: str, batch_size: int = MAX_BATCH) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        self.client = client
        self.currency = currency
        self.batch_size = batch_size

    async def _batch(self, period: Month | Quarter | Year, employee_ids: list[int]) -> Any:
        # Unreachable or too slow raise our 503/504 here (shared client); a read is safe
        # to send again, so it is retried although it is a POST.
        response = await self.client.request(
            "POST",
            METRICS_BATCH_PATH,
            json={"period": str(period), "employee_ids": employee_ids},
            idempotent=True,
        )
        if response.status_code == 503:
            raise ServiceUnavailable("the clients service is unavailable")
        if response.status_code != 200:
            raise BadGateway(f"clients answered {response.status_code} to the metrics batch")
        try:
            body = response.json()
        except ValueError as exc:
            raise BadGateway("the clients metrics batch is not JSON") from exc
        if isinstance(body, Mapping) and body.get("period") != str(period):
            raise BadGateway(f"clients answered for period {body.get('period')!r}, not {period}")
        return body

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> FetchedActuals:
        """Every batch is fetched before anything is written; any failure is a 502/503/504."""
        values: dict[tuple[int, str], Decimal] = {}
        reported: set[str] = set()
        for batch in batches(employee_ids, self.batch_size):
            body = await self._batch(period, batch)
            found, unavailable = actuals_from_batch(body, batch, metrics, self.currency)
            values.update(found)
            reported.update(set(metrics) - unavailable)
        return FetchedActuals(
            values=values,
            unavailable=frozenset(metrics) - reported,
            fetched_at=datetime.now(UTC),
        )

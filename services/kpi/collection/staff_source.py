"""Actuals from staff's qualification metrics batch, read through the shared service client.

``POST /v1/staff/qualifications/metrics/batch`` answers, per employee, the 员工任职资格达标率
(percent) of the employee's department, sub-departments included, as staff knows it now
(qualifications keep no history, so the collection time is part of the lineage). One request
per batch of at most 1,000 employees; a read, so it is retried like a GET.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from services.kpi.appraisals.actuals import FetchedActuals
from services.kpi.appraisals.schemas import ActualSource
from services.kpi.collection.clients_source import MAX_BATCH, batches
from services.kpi.indicators.schemas import STAFF_METRICS
from shared.errors import BadGateway, ServiceUnavailable
from shared.http_client import ServiceClient
from shared.money import parse_exact_decimal
from shared.periods import Month, Quarter, Year

QUALIFICATION_METRICS_PATH = "/v1/staff/qualifications/metrics/batch"


def qualification_values(
    body: object, employee_ids: Sequence[int], metrics: Sequence[str]
) -> dict[tuple[int, str], Decimal]:
    """``{(employee_id, metric): rate}`` from one answer; ``null`` (nobody assessed) is none."""
    if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
        raise BadGateway("staff's qualification metrics have no items")
    wanted = set(employee_ids)
    values: dict[tuple[int, str], Decimal] = {}
    for item in body["items"]:
        employee_id = item.get("employee_id") if isinstance(item, Mapping) else None
        if not isinstance(employee_id, int) or isinstance(employee_id, bool):
            raise BadGateway("an item of staff's qualification metrics has no employee_id")
        if employee_id not in wanted:
            continue
        for metric in metrics:
            raw = item.get(metric)
            if raw is None:
                continue
            try:
                value = parse_exact_decimal(raw)
            except ValueError as exc:
                raise BadGateway(f"staff reported an unreadable {metric}: {exc}") from exc
            if not 0 <= value <= 100:
                raise BadGateway(f"staff reported {metric} = {value} for employee {employee_id}")
            values[(employee_id, metric)] = value
    return values


class StaffQualificationsSource:
    """The population's 员工任职资格达标率 from staff, in batches."""

    source = ActualSource.STAFF_QUALIFICATIONS
    endpoint = f"POST {QUALIFICATION_METRICS_PATH}"

    def __init__(self, client: ServiceClient, batch_size: int = MAX_BATCH) -> None:
        self.client = client
        self.batch_size = batch_size

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> FetchedActuals:
        values: dict[tuple[int, str], Decimal] = {}
        wanted = [m for m in metrics if m in STAFF_METRICS]
        for batch in batches(employee_ids, self.batch_size):
            response = await self.client.request(
                "POST", QUALIFICATION_METRICS_PATH,
                json={"period": str(period), "employee_ids": batch}, idempotent=True,
            )  # fmt: skip
            if response.status_code == 503:
                raise ServiceUnavailable("the staff service is unavailable")
            if response.status_code != 200:
                raise BadGateway(
                    f"staff answered {response.status_code} to the qualification metrics"
                )
            try:
                body = response.json()
            except ValueError as exc:
                raise BadGateway("staff's qualification metrics are not JSON") from exc
            values.update(qualification_values(body, batch, wanted))
        return FetchedActuals(
            values=values,
            unavailable=frozenset(metrics) - STAFF_METRICS,
            fetched_at=datetime.now(UTC),
        )

"""The sales targets of the KPI target plan, read from the kpi service over HTTP.

Kpi owns the plans; clients asks ``GET /v1/kpi/internal/targets/monthly`` for the month
targets of the people in a report. A report must answer when kpi does not: any failure
(down, slow, a bad answer) gives no targets and a note saying why.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from fastapi import FastAPI

from shared.errors import DomainError
from shared.http_client import ServiceClient

MONTHLY_TARGETS_PATH = "/v1/kpi/internal/targets/monthly"
MAX_PEOPLE = 200
"""People per request: their ids travel in the query string, kept well under 16 KiB."""

Targets = dict[tuple[int, date], Decimal]
"""(employee, first day of the month) → target in the base currency."""


class KpiLink(Protocol):
    @property
    def kpi_url(self) -> str: ...
    @property
    def forecast_targets_timeout_seconds(self) -> float: ...


def kpi_client_lifespan(
    settings: KpiLink,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan part that puts a ``ServiceClient`` for kpi on ``app.state.kpi_client``
    (no retries: a report waits for kpi at most the timeout)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = ServiceClient(
            "kpi",
            settings.kpi_url,
            timeout_seconds=settings.forecast_targets_timeout_seconds,
            connect_timeout_seconds=min(1.0, settings.forecast_targets_timeout_seconds),
            retries=0,
            token_source=app.state.service_token,
        )
        app.state.kpi_client = client
        try:
            yield
        finally:
            await client.aclose()

    return lifespan


class TargetsUnavailable(Exception):
    """Kpi gave no usable answer; the message says what happened."""


def _parse(body: object) -> Targets:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise TargetsUnavailable("kpi answered without items")
    targets: Targets = {}
    for item in body["items"]:
        try:
            year, month = (int(part) for part in str(item["month"]).split("-"))
            key = (int(item["employee_id"]), date(year, month, 1))
            targets[key] = targets.get(key, Decimal("0")) + Decimal(str(item["amount"]))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise TargetsUnavailable(f"kpi answered an unreadable target: {exc}") from exc
    return targets


class KpiTargets:
    """Month targets of people from kpi (``client`` None: kpi is not configured)."""

    def __init__(self, client: ServiceClient | None, indicator: str, timeout_seconds: float):
        self.client = client
        self.indicator = indicator
        self.timeout_seconds = timeout_seconds

    async def _year(self, year: int, people: list[int]) -> Targets:
        assert self.client is not None
        targets: Targets = {}
        for start in range(0, len(people), MAX_PEOPLE):
            response = await self.client.request(
                "GET",
                MONTHLY_TARGETS_PATH,
                params={
                    "indicator": self.indicator,
                    "year": year,
                    "employee_id": people[start : start + MAX_PEOPLE],
                },
            )
            if response.status_code != 200:
                raise TargetsUnavailable(f"kpi answered {response.status_code}")
            targets.update(_parse(response.json()))
        return targets

    async def monthly(
        self, employee_ids: Collection[int], months: Collection[date]
    ) -> tuple[Targets | None, str | None]:
        """The targets of ``employee_ids`` in ``months``, or None and why not."""
        if self.client is None:
            return None, "targets are unavailable: the kpi service is not configured"
        people = sorted(set(employee_ids))
        if not people:
            return {}, None
        try:
            async with asyncio.timeout(self.timeout_seconds):
                targets: Targets = {}
                for year in sorted({month.year for month in months}):
                    targets.update(await self._year(year, people))
        except (TargetsUnavailable, DomainError, TimeoutError, ValueError) as exc:
            return None, f"targets are unavailable: {exc or 'kpi did not answer in time'}"
        wanted = set(months)
        return {key: value for key, value in targets.items() if key[1] in wanted}, None

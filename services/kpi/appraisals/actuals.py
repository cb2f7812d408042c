"""Where actual values come from: typed in by a reviewer, or fetched for a whole cycle.

A typed-in actual (``PUT /v1/kpi/appraisals/{id}/items/{item_id}/actual``) is snapshotted
with ``source="manual"``. Automatic indicators are fetched for the cycle's whole population
by an :class:`ActualsSource` — today ``ClientsMetricsSource``
(services/kpi/collection/clients_source.py: one ``POST /v1/clients/metrics/batch`` per
batch of employees, not one per person) — and snapshotted with their source and time by
``POST /v1/kpi/cycles/{id}/collect-actuals``. Accounts that changed owner mid-period are
credited as the clients service reports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from services.kpi.appraisals.schemas import ActualSource
from shared.periods import Month, Quarter, Year


@dataclass(frozen=True)
class FetchedActuals:
    """What a source answered: values, the metrics it does not report, and when.

    ``values`` has no entry for a value the source knows to be undefined (a rate whose base
    is zero); ``unavailable`` names metrics the source does not provide at all.
    """

    values: Mapping[tuple[int, str], Decimal]
    unavailable: frozenset[str] = frozenset()
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class ActualsSource(Protocol):
    """Fetches the period's actuals of many employees for the named metrics at once."""

    source: ActualSource
    endpoint: str
    """The request that fetches (method and path), kept in the lineage."""

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> FetchedActuals:
        """``{(employee_id, metric): value}`` for what the source knows."""
        ...


class ManualActualsSource:
    """Reviewers type actuals in: nothing is fetched, every entry is a manual snapshot."""

    source = ActualSource.MANUAL
    endpoint = ""

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> FetchedActuals:
        return FetchedActuals(values={}, unavailable=frozenset(metrics))

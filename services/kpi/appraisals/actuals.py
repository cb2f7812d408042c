"""Where actual values come from: the seam for collecting them from the clients service.

Today every actual is typed in (``PUT /v1/kpi/appraisals/{id}/items/{item_id}/actual``)
and snapshotted with ``source="manual"``, automatic indicators included.

NOT BUILT YET (waits for issue 6, ``POST /v1/clients/metrics/batch`` in
docs/contracts.md): a ``ClientsMetricsSource`` implementing :class:`ActualsSource` with
the shared ``ServiceClient`` — one call per batch of employees for the cycle's period, not
one per person — whose values a cycle action writes with
``AppraisalRepository.add_snapshots`` (``source="clients_metrics"``) and copies onto the
items, audited like a manual entry. Accounts that changed owner mid-period are credited as
the clients service reports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from services.kpi.appraisals.schemas import ActualSource
from shared.periods import Month, Quarter, Year


class ActualsSource(Protocol):
    """Fetches the period's actuals of many employees for the named metrics at once."""

    source: ActualSource

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> Mapping[tuple[int, str], Decimal]:
        """``{(employee_id, metric): value}`` for what the source knows."""
        ...


class ManualActualsSource:
    """Reviewers type actuals in: nothing is fetched, every entry is a manual snapshot."""

    source = ActualSource.MANUAL

    async def fetch(
        self,
        period: Month | Quarter | Year,
        employee_ids: Sequence[int],
        metrics: Sequence[str],
    ) -> Mapping[tuple[int, str], Decimal]:
        return {}

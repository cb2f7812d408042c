"""Every query of a cycle's collection of actuals; bulk writes are one statement per batch."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, text
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER, NUMERIC, TEXT
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.appraisals.models import (
    ActualSnapshot,
    Appraisal,
    AppraisalEvent,
    AppraisalItem,
)
from services.kpi.audit.models import KpiAuditEntry
from services.kpi.indicators.models import Indicator

AUTOMATIC = "automatic"
MANUAL_OVERRIDE = "manual_override"


def _t(model: Any) -> Any:
    return model.__table__


@dataclass(frozen=True, slots=True)
class AutomaticItem:
    """An indicator item fed by a metric, on an appraisal still open to new actuals."""

    item_id: int
    appraisal_id: int
    employee_id: int
    metric: str
    score: Decimal | None
    """The sheet's score: set once the manager has reviewed it."""
    source: str = "clients"
    """The indicator's source (``clients``, ``staff``)."""


@dataclass(frozen=True, slots=True)
class CollectedValue:
    item_id: int
    value: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class SheetScore:
    appraisal_id: int
    score: Decimal
    grade: str


_RECORD_SNAPSHOTS = text(
    """
INSERT INTO kpi.actual_snapshots (appraisal_item_id, value, source, recorded_by, note)
SELECT v.item_id, v.value, :source, :recorded_by, v.note
FROM unnest(:item_ids, :item_values, :notes) AS v(item_id, value, note)
"""
).bindparams(
    bindparam("item_ids", type_=ARRAY(INTEGER)),
    bindparam("item_values", type_=ARRAY(NUMERIC(18, 4))),
    bindparam("notes", type_=ARRAY(TEXT)),
)

_COPY_ACTUALS = text(
    """
UPDATE kpi.appraisal_items AS i SET actual = v.value
FROM unnest(:item_ids, :item_values) AS v(item_id, value)
WHERE i.id = v.item_id
"""
).bindparams(
    bindparam("item_ids", type_=ARRAY(INTEGER)),
    bindparam("item_values", type_=ARRAY(NUMERIC(18, 4))),
)

_SAVE_ITEM_SCORES = text(
    """
UPDATE kpi.appraisal_items AS i SET score = v.score
FROM unnest(:item_ids, :scores) AS v(item_id, score)
WHERE i.id = v.item_id
"""
).bindparams(
    bindparam("item_ids", type_=ARRAY(INTEGER)),
    bindparam("scores", type_=ARRAY(NUMERIC(6, 2))),
)

# A calibrated result (calibration_reason set) keeps its final score and grade, as in a
# manual rescoring; the computed score and grade change.
_SAVE_SHEET_SCORES = text(
    """
UPDATE kpi.appraisals AS a
SET score = v.score, grade = v.grade,
    final_score = CASE WHEN a.calibration_reason IS NULL THEN v.score ELSE a.final_score END,
    final_grade = CASE WHEN a.calibration_reason IS NULL THEN v.grade ELSE a.final_grade END
FROM unnest(:appraisal_ids, :scores, :grades) AS v(appraisal_id, score, grade)
WHERE a.id = v.appraisal_id
"""
).bindparams(
    bindparam("appraisal_ids", type_=ARRAY(INTEGER)),
    bindparam("scores", type_=ARRAY(NUMERIC(6, 2))),
    bindparam("grades", type_=ARRAY(TEXT)),
)

_NEXT_VERSION = text(
    """
UPDATE kpi.appraisals SET version = version + 1, updated_at = now()
WHERE id = ANY(:appraisal_ids)
"""
).bindparams(bindparam("appraisal_ids", type_=ARRAY(INTEGER)))


class CollectionRepository:
    """Reads the items to collect and writes collected values, scores and the records."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _core(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        connection = await self.session.connection()
        return await connection.execute(statement, params or {})

    async def automatic_items(
        self, cycle_id: int, states: Collection[str], *, lock: bool = False
    ) -> list[AutomaticItem]:
        """The cycle's indicator items fed by a metric, on appraisals in ``states``.

        An item a reviewer has overridden keeps the override: collection leaves it alone.

        With ``lock`` the appraisals are locked (``FOR UPDATE``) until the transaction ends,
        so no review scores them with the old actuals meanwhile.
        """
        appraisals, items, indicators = _t(Appraisal), _t(AppraisalItem), _t(Indicator)
        snapshots = _t(ActualSnapshot)
        overridden = core_select(snapshots.c.id).where(
            snapshots.c.appraisal_item_id == items.c.id,
            snapshots.c.source == MANUAL_OVERRIDE,
        )
        query = (
            core_select(
                items.c.id, appraisals.c.id, appraisals.c.employee_id, indicators.c.metric,
                appraisals.c.score, func.coalesce(indicators.c.source, "clients"),
            )
            .join(appraisals, appraisals.c.id == items.c.appraisal_id)
            .join(indicators, indicators.c.id == items.c.indicator_id)
            .where(
                appraisals.c.cycle_id == cycle_id,
                appraisals.c.state.in_(list(states)),
                items.c.kind == "indicator",
                indicators.c.kind == AUTOMATIC,
                indicators.c.metric.is_not(None),
                ~overridden.exists(),
            )
            .order_by(appraisals.c.id, items.c.position)
        )  # fmt: skip
        if lock:
            query = query.with_for_update(of=appraisals)
        result = await self._core(query)
        return [AutomaticItem(*row) for row in result.all()]

    async def record_values(
        self, values: Sequence[CollectedValue], *, source: str, recorded_by: int | None
    ) -> None:
        """Snapshot ``values`` (one INSERT) and copy them onto their items (one UPDATE)."""
        if not values:
            return
        item_ids = [v.item_id for v in values]
        amounts = [v.value for v in values]
        await self._core(
            _RECORD_SNAPSHOTS,
            {"item_ids": item_ids, "item_values": amounts, "notes": [v.note for v in values],
             "source": source, "recorded_by": recorded_by},
        )  # fmt: skip
        await self._core(_COPY_ACTUALS, {"item_ids": item_ids, "item_values": amounts})

    async def items_of(self, appraisal_ids: Collection[int]) -> Sequence[AppraisalItem]:
        """Every item of these appraisals as stored now (after the values were copied)."""
        if not appraisal_ids:
            return []
        result = await self.session.exec(
            select(AppraisalItem)
            .where(col(AppraisalItem.appraisal_id).in_(list(appraisal_ids)))
            .order_by(col(AppraisalItem.appraisal_id), col(AppraisalItem.position))
            .execution_options(populate_existing=True)
        )
        return result.all()

    async def save_scores(
        self, item_scores: Sequence[tuple[int, Decimal]], sheets: Sequence[SheetScore]
    ) -> None:
        """Write rescored items and sheets (one UPDATE each)."""
        if item_scores:
            await self._core(
                _SAVE_ITEM_SCORES,
                {"item_ids": [i for i, _ in item_scores], "scores": [s for _, s in item_scores]},
            )
        if sheets:
            await self._core(
                _SAVE_SHEET_SCORES,
                {"appraisal_ids": [s.appraisal_id for s in sheets],
                 "scores": [s.score for s in sheets], "grades": [s.grade for s in sheets]},
            )  # fmt: skip

    async def next_versions(self, appraisal_ids: Collection[int]) -> None:
        """A changed sheet gets a new version (its ETag), so a stale If-Match is refused."""
        if appraisal_ids:
            await self._core(_NEXT_VERSION, {"appraisal_ids": list(appraisal_ids)})

    async def add_events(self, rows: Sequence[dict[str, Any]]) -> None:
        """Decisions on many appraisals in one INSERT."""
        if rows:
            await self.session.exec(insert(AppraisalEvent), params=list(rows))

    async def add_audit_entry(self, entry: KpiAuditEntry) -> None:
        self.session.add(entry)
        await self.session.flush()

    def forget_loaded(self) -> None:
        """Bulk statements bypass the ORM: reload anything read before them."""
        self.session.expire_all()

"""Collect a cycle's automatic actuals from their sources, snapshot them, rescore. Never commits.

Order of work: check the cycle (404/409), read the items to feed, fetch every batch from
the source (an upstream failure is a 502/503/504 before anything is written), then lock the
cycle and the appraisals, read the items again (an appraisal may have become final
meanwhile) and write: snapshots and item actuals in bulk, rescored sheets, one event per
appraisal, one audit entry for the cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.kpi.appraisals.actuals import ActualsSource, FetchedActuals
from services.kpi.appraisals.models import AppraisalItem
from services.kpi.appraisals.rules import AppraisalState, CycleState, GradeScale, grade_for_score
from services.kpi.appraisals.scoring import SheetLine, SheetNotScorableError, sheet_scores
from services.kpi.audit.models import kpi_audit_entry
from services.kpi.collection.clients_source import MAX_BATCH, batches
from services.kpi.collection.repository import (
    AutomaticItem,
    CollectedValue,
    CollectionRepository,
    SheetScore,
)
from services.kpi.collection.schemas import CollectionSummary, SourceLineage
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.cycles.repository import CycleRepository
from shared.errors import InvalidTransition, NotFound, ServiceUnavailable
from shared.periods import Month, Quarter, Year, parse_period
from shared.request_id import current_request_id

COLLECTING_STATES = (
    CycleState.COLLECTING, CycleState.SELF_REVIEW, CycleState.MANAGER_REVIEW,
    CycleState.CALIBRATION,
)  # fmt: skip
"""A cycle takes new actuals from collecting through calibration (as manual entries do)."""

OPEN_APPRAISALS = (
    AppraisalState.PENDING_SELF, AppraisalState.PENDING_MANAGER,
    AppraisalState.PENDING_CALIBRATION,
)  # fmt: skip
"""Appraisals whose actuals are not final yet (calibrated and later ones are left alone)."""


def _line(item: AppraisalItem) -> SheetLine:
    return SheetLine(
        key=item.key, kind=item.kind, weight=item.weight, target=item.target,
        actual=item.actual, scoring_rule=item.scoring_rule, rating_scale=item.rating_scale,
        manager_rating=item.manager_rating, adjusted_score=item.adjusted_score,
    )  # fmt: skip


class ActualsCollection:
    """Feeds a cycle's automatic indicators from their sources (each indicator names its
    own: ``clients``, ``staff``), for its whole population, in one run."""

    def __init__(
        self,
        cycles: CycleRepository,
        repository: CollectionRepository,
        sources: Mapping[str, ActualsSource],
        grade_scale: GradeScale,
        batch_size: int = MAX_BATCH,
    ) -> None:
        self.cycles = cycles
        self.repository = repository
        self.sources = dict(sources)
        self.grade_scale = grade_scale
        self.batch_size = batch_size

    async def _cycle(self, cycle_id: int, *, for_update: bool = False) -> AppraisalCycle:
        cycle = await self.cycles.get(cycle_id, for_update=for_update)
        if cycle is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        if CycleState(cycle.state) not in COLLECTING_STATES:
            names = ", ".join(state.value for state in COLLECTING_STATES)
            raise InvalidTransition(
                f"cycle {cycle_id} is {cycle.state}; actuals are collected while it is {names}",
                extra={"state": cycle.state},
            )
        return cycle

    async def _items(self, cycle_id: int, *, lock: bool) -> list[AutomaticItem]:
        states = [state.value for state in OPEN_APPRAISALS]
        return await self.repository.automatic_items(cycle_id, states, lock=lock)

    async def _fetch(
        self, period: Month | Quarter | Year, planned: Sequence[AutomaticItem]
    ) -> dict[str, tuple[ActualsSource, FetchedActuals]]:
        """Every source's batches, all before anything is written (a failure writes nothing)."""
        by_source: dict[str, list[AutomaticItem]] = defaultdict(list)
        for item in planned:
            by_source[item.source].append(item)
        fetched: dict[str, tuple[ActualsSource, FetchedActuals]] = {}
        for name, items in sorted(by_source.items()):
            source = self.sources.get(name)
            if source is None:
                raise ServiceUnavailable(f"kpi has no client for the {name} indicator source")
            metrics = sorted({item.metric for item in items})
            employees = sorted({item.employee_id for item in items})
            fetched[name] = (source, await source.fetch(period, employees, metrics))
        return fetched

    async def collect(
        self, cycle_id: int, *, actor: str | None, actor_employee_id: int | None
    ) -> CollectionSummary:
        cycle = await self._cycle(cycle_id)
        period = parse_period(cycle.period)
        assert isinstance(period, Month | Quarter | Year)
        planned = await self._items(cycle_id, lock=False)
        fetched = await self._fetch(period, planned)
        request_id = current_request_id()
        lineage = {
            name: SourceLineage(
                source=source.source, indicator_source=name, endpoint=source.endpoint,
                request_id=request_id, fetched_at=answer.fetched_at,
                metrics=sorted({i.metric for i in planned if i.source == name}),
                employees=len({i.employee_id for i in planned if i.source == name}),
            )
            for name, (source, answer) in fetched.items()
        }  # fmt: skip
        # Writes start here, under locks; the items are read again as they are now.
        await self._cycle(cycle_id, for_update=True)
        items = await self._items(cycle_id, lock=True)
        by_appraisal: dict[int, list[AutomaticItem]] = defaultdict(list)
        for item in items:
            by_appraisal[item.appraisal_id].append(item)
        updated: dict[int, Decimal] = {}
        unavailable: dict[str, frozenset[str]] = {}
        for name, (source, answer) in fetched.items():
            own = [item for item in items if item.source == name]
            updated.update(
                await self._write_values(own, source, answer, str(period), actor_employee_id)
            )
            unavailable[name] = answer.unavailable
        changed = {item.appraisal_id for item in items if item.item_id in updated}
        scored = {item.appraisal_id for item in items if item.score is not None}
        rescored = await self._rescore(changed & scored)
        await self._record(
            by_appraisal, lineage, updated, rescored, period=str(period),
            actor_employee_id=actor_employee_id,
        )  # fmt: skip
        await self.repository.next_versions(sorted(changed))

        def not_provided(item: AutomaticItem) -> bool:
            return item.metric in unavailable.get(item.source, frozenset())

        missing = [i for i in items if i.item_id not in updated]
        summary = CollectionSummary(
            cycle_id=cycle_id,
            period=str(period),
            sources=list(lineage.values()),
            appraisals=len(by_appraisal),
            items_updated=len(updated),
            values_missing=sum(1 for i in missing if not not_provided(i)),
            metrics_missing=sorted({i.metric for i in items if not_provided(i)}),
            fetched_at=min(
                (entry.fetched_at for entry in lineage.values()), default=datetime.now(UTC)
            ),
        )
        await self.repository.add_audit_entry(
            kpi_audit_entry(
                action="actuals_collected", entity="cycle", entity_id=str(cycle_id), actor=actor,
                after=summary.model_dump(mode="json", exclude={"cycle_id"}),
            )
        )  # fmt: skip
        self.repository.forget_loaded()
        return summary

    async def _write_values(
        self,
        items: Sequence[AutomaticItem],
        source: ActualsSource,
        fetched: FetchedActuals,
        period: str,
        actor_employee_id: int | None,
    ) -> dict[int, Decimal]:
        """Snapshot and copy every fetched value, one INSERT per batch of employees."""
        note_time = fetched.fetched_at.isoformat()
        by_employee: dict[int, list[CollectedValue]] = defaultdict(list)
        for item in items:
            value = fetched.values.get((item.employee_id, item.metric))
            if value is not None:
                by_employee[item.employee_id].append(
                    CollectedValue(
                        item.item_id, value,
                        f"{item.metric} · {period} · {source.endpoint} · fetched {note_time}",
                    )
                )  # fmt: skip
        updated: dict[int, Decimal] = {}
        for batch in batches(by_employee, self.batch_size):
            values = [value for employee in batch for value in by_employee[employee]]
            await self.repository.record_values(
                values, source=source.source.value, recorded_by=actor_employee_id
            )
            updated.update((value.item_id, value.value) for value in values)
        return updated

    async def _rescore(self, appraisal_ids: set[int]) -> dict[int, Decimal]:
        """Score again the sheets that were already scored; their new final scores."""
        sheets: dict[int, list[AppraisalItem]] = defaultdict(list)
        for item in await self.repository.items_of(appraisal_ids):
            sheets[item.appraisal_id].append(item)
        item_scores: list[tuple[int, Decimal]] = []
        totals: list[SheetScore] = []
        for appraisal_id, sheet in sorted(sheets.items()):
            try:
                scores, total = sheet_scores([_line(item) for item in sheet])
            except SheetNotScorableError as exc:
                raise InvalidTransition(
                    f"appraisal {appraisal_id} cannot be scored again: {exc}"
                ) from exc
            item_scores.extend((item.id, scores[item.key]) for item in sheet if item.id)
            totals.append(SheetScore(appraisal_id, total, grade_for_score(total, self.grade_scale)))
        await self.repository.save_scores(item_scores, totals)
        return {sheet.appraisal_id: sheet.score for sheet in totals}

    async def _record(
        self,
        by_appraisal: dict[int, list[AutomaticItem]],
        lineage: Mapping[str, SourceLineage],
        updated: dict[int, Decimal],
        rescored: dict[int, Decimal],
        *,
        period: str,
        actor_employee_id: int | None,
    ) -> None:
        """One event per appraisal with what it was given, from where (and its score)."""
        events: list[dict[str, Any]] = []
        for appraisal_id, items in sorted(by_appraisal.items()):
            used = sorted({i.source for i in items if i.source in lineage})
            detail: dict[str, Any] = {
                "sources": [lineage[name].model_dump(mode="json") for name in used],
                "period": period,
                "items": [
                    {"item_id": i.item_id, "metric": i.metric, "source": i.source,
                     "value": str(updated[i.item_id])}
                    for i in items if i.item_id in updated
                ],
                "missing": [i.metric for i in items if i.item_id not in updated],
            }  # fmt: skip
            if appraisal_id in rescored:
                before = next(i.score for i in items)
                detail["score"] = {"before": str(before), "after": str(rescored[appraisal_id])}
            events.append(
                {"appraisal_id": appraisal_id, "action": "actuals_collected",
                 "actor_employee_id": actor_employee_id, "detail": detail}
            )  # fmt: skip
        await self.repository.add_events(events)

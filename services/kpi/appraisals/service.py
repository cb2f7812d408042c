"""One employee's appraisal: the sheet, actuals and the review flow. Never commits.

Every write checks, in order: the appraisal exists (404), ``If-Match`` (428/412), who is
acting (403), the cycle's and the appraisal's state (409), then the input (422); each
decision is written to the appraisal's history with its actor and reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from services.kpi.access import KpiScope
from services.kpi.appraisals.models import ActualSnapshot, Appraisal, AppraisalEvent, AppraisalItem
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.rules import (
    AppraisalState,
    CycleState,
    GradeScale,
    InvalidTransitionError,
    assert_transition,
    grade_counts,
    grade_for_score,
    grade_outside_band,
    may_enter_actual,
    worsened_grades,
)
from services.kpi.appraisals.schemas import (
    ActualEntry,
    ActualSource,
    AppealLodge,
    AppealResolution,
    AppraisalItemRead,
    AppraisalRead,
    AppraisalSummary,
    CalibrationAdjustment,
    ManagerReview,
    SelfAssessment,
)
from services.kpi.appraisals.scoring import SheetLine, SheetNotScorableError, sheet_scores
from services.kpi.audit.models import kpi_audit_entry
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.cycles.repository import CycleRepository
from services.kpi.inbox.rules import Step, review_is_due
from services.kpi.inbox.service import AppraisalWorkItems
from services.kpi.indicators.rules import MAX_SCORE
from services.kpi.org.repository import OrgRepository
from services.kpi.templates.rules import RatingOutOfScaleError, RatingScale, rating_to_score
from shared.concurrency import check_if_match
from shared.errors import (
    Forbidden,
    InvalidTransition,
    LimitExceeded,
    NotFound,
    UnmetPrerequisite,
    UnprocessableContent,
)

_CYCLE_ORDER = list(CycleState)


def _line(item: AppraisalItem) -> SheetLine:
    return SheetLine(
        key=item.key, kind=item.kind, weight=item.weight, target=item.target,
        actual=item.actual, scoring_rule=item.scoring_rule, rating_scale=item.rating_scale,
        manager_rating=item.manager_rating, adjusted_score=item.adjusted_score,
    )  # fmt: skip


def _check_rating(item: AppraisalItem, rating: Decimal) -> None:
    if item.kind != "qualitative":
        raise UnprocessableContent(f"item {item.id} ({item.key}) is an indicator; it is not rated")
    try:
        rating_to_score(rating, RatingScale.model_validate(item.rating_scale or {}))
    except RatingOutOfScaleError as exc:
        raise UnprocessableContent(f"item {item.id} ({item.key}): {exc}") from exc


class AppraisalService:
    """Reads, actuals and the review flow of single appraisals."""

    def __init__(
        self,
        repository: AppraisalRepository,
        cycles: CycleRepository,
        org: OrgRepository,
        grade_scale: GradeScale,
        *,
        scope: KpiScope,
        target_max_share: Mapping[str, Decimal] | None = None,
        work_items: AppraisalWorkItems | None = None,
    ) -> None:
        self.scope = scope
        self.work_items = work_items
        self.target_max_share = target_max_share or {}
        self.repository = repository
        self.cycles = cycles
        self.org = org
        self.grade_scale = grade_scale

    # --- reads ----------------------------------------------------------------------------

    async def get(self, appraisal_id: int, *, for_update: bool = False) -> Appraisal:
        appraisal = await self.repository.get(appraisal_id, for_update=for_update, scope=self.scope)
        if appraisal is None:
            raise NotFound(f"appraisal {appraisal_id} does not exist")
        return appraisal

    async def read(self, appraisal_id: int) -> AppraisalRead:
        appraisal = await self.get(appraisal_id)
        items = await self.repository.items(appraisal_id)
        latest = await self.repository.latest_snapshots([i.id for i in items if i.id])
        rows = []
        for item in items:
            row = AppraisalItemRead.model_validate(item)
            snapshot = latest.get(item.id or 0)
            if snapshot is not None:
                row.actual_source = ActualSource(snapshot.source)
                row.actual_recorded_at = snapshot.recorded_at
            rows.append(row)
        read = AppraisalRead.model_validate(appraisal)
        read.items = rows
        cycle = await self.cycles.get(appraisal.cycle_id)
        read.cycle_name = cycle.name if cycle is not None else None
        return read

    async def list_page(self, **filters: Any) -> list[AppraisalSummary]:
        """A page of appraisals with their cycle's and employee's names."""
        rows = await self.repository.named_page(**filters, scope=self.scope)
        return [
            AppraisalSummary.model_validate(appraisal).model_copy(
                update={"cycle_name": cycle_name, "employee_name": employee_name}
            )
            for appraisal, cycle_name, employee_name in rows
        ]

    async def history(self, appraisal_id: int) -> Sequence[AppraisalEvent]:
        await self.get(appraisal_id)
        return await self.repository.events(appraisal_id)

    async def actual_history(self, appraisal_id: int, item_id: int) -> Sequence[ActualSnapshot]:
        await self.get(appraisal_id)  # the scope check: an item is read through its appraisal
        await self._item(appraisal_id, item_id)
        return await self.repository.snapshots(item_id)

    # --- helpers --------------------------------------------------------------------------

    async def _item(self, appraisal_id: int, item_id: int) -> AppraisalItem:
        items = await self.repository.items(appraisal_id)
        for item in items:
            if item.id == item_id:
                return item
        raise NotFound(f"appraisal {appraisal_id} has no item {item_id}")

    async def _open(
        self, appraisal_id: int, if_match: str | None
    ) -> tuple[Appraisal, AppraisalCycle]:
        appraisal = await self.get(appraisal_id, for_update=True)
        check_if_match(if_match, appraisal.version)
        cycle = await self.cycles.get(appraisal.cycle_id)
        assert cycle is not None
        return appraisal, cycle

    @staticmethod
    def _require_cycle(cycle: AppraisalCycle, *states: CycleState) -> None:
        if CycleState(cycle.state) not in states:
            names = ", ".join(state.value for state in states)
            raise InvalidTransition(
                f"cycle {cycle.id} is {cycle.state}; this step needs it to be {names}"
            )

    @staticmethod
    def _cycle_from(first: CycleState, *, through: CycleState) -> tuple[CycleState, ...]:
        return tuple(_CYCLE_ORDER[_CYCLE_ORDER.index(first) : _CYCLE_ORDER.index(through) + 1])

    async def _move(
        self,
        appraisal: Appraisal,
        target: AppraisalState,
        action: str,
        actor: int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        current = AppraisalState(appraisal.state)
        try:
            assert_transition(current, target)
        except InvalidTransitionError as exc:
            raise InvalidTransition(str(exc), extra={"state": current.value}) from exc
        appraisal.state = target.value
        assert appraisal.id is not None
        await self.repository.add_event(
            appraisal.id, action, from_state=current.value, to_state=target.value,
            actor_employee_id=actor, detail=detail or {},
        )  # fmt: skip

    def _grade(self, score: Decimal, grade: str | None, *, band_override: bool) -> str:
        """The final grade: the score's band, or another grade only with ``band_override``."""
        if not 0 <= score <= MAX_SCORE:
            raise UnprocessableContent(f"a final score must be between 0 and {MAX_SCORE}")
        if grade is None:
            return grade_for_score(score, self.grade_scale)
        if grade not in self.grade_scale.grades:
            raise UnprocessableContent(
                f"grade {grade} is not one of {', '.join(self.grade_scale.grades)}"
            )
        if grade_outside_band(score, grade, self.grade_scale) and not band_override:
            raise UnprocessableContent(
                f"grade {grade} contradicts final score {score} (its band is "
                f"{grade_for_score(score, self.grade_scale)}); set band_override with the reason "
                "to give it anyway",
                extra={"band_grade": grade_for_score(score, self.grade_scale)},
            )
        return grade

    async def _audit_band_override(
        self, appraisal: Appraisal, score: Decimal, grade: str, reason: str, actor: int
    ) -> None:
        await self.repository.add_audit_entry(
            kpi_audit_entry(
                action="grade_band_overridden", entity="appraisal", entity_id=str(appraisal.id),
                actor_employee_id=actor,
                before={"final_score": str(appraisal.final_score),
                        "final_grade": appraisal.final_grade},
                after={"employee_id": appraisal.employee_id, "final_score": str(score),
                       "final_grade": grade,
                       "band_grade": grade_for_score(score, self.grade_scale),
                       "reason": reason},
            )
        )  # fmt: skip

    async def _recheck_distribution(
        self, appraisal: Appraisal, new_grade: str, exception: str | None, actor: int
    ) -> list[dict[str, Any]]:
        """Refuse a grade change that pushes the department over its target distribution,
        unless the resolver records an exception with its reason (audited)."""
        assert appraisal.id is not None
        others = await self.repository.department_final_grades(
            appraisal.cycle_id, appraisal.department_id, except_id=appraisal.id
        )
        before = grade_counts([*others, appraisal.final_grade or new_grade], self.grade_scale)
        after = grade_counts([*others, new_grade], self.grade_scale)
        worse = worsened_grades(before, after, self.target_max_share)
        if not worse:
            return []
        found = [
            {"grade": v.grade, "count": v.count, "total": v.total, "max_count": v.max_count}
            for v in worse
        ]
        if exception is None:
            raise LimitExceeded(
                "this grade would exceed the department's target distribution: "
                + "; ".join(str(v) for v in worse)
                + "; give distribution_exception with the reason to record an exception",
                extra={"violations": found},
            )
        await self.repository.add_audit_entry(
            kpi_audit_entry(
                action="distribution_exception", entity="appraisal", entity_id=str(appraisal.id),
                actor_employee_id=actor,
                before={"final_grade": appraisal.final_grade},
                after={"employee_id": appraisal.employee_id,
                       "department_id": appraisal.department_id, "final_grade": new_grade,
                       "violations": found, "reason": exception},
            )
        )  # fmt: skip
        return found

    async def _score(self, appraisal: Appraisal, items: Sequence[AppraisalItem]) -> None:
        try:
            scores, total = sheet_scores([_line(item) for item in items])
        except SheetNotScorableError as exc:
            raise UnmetPrerequisite(
                f"appraisal {appraisal.id} cannot be scored yet: {exc}"
            ) from exc
        for item in items:
            item.score = scores[item.key]
        await self.repository.save_items(items)
        appraisal.score = total
        appraisal.grade = grade_for_score(total, self.grade_scale)
        if appraisal.calibration_reason is None:
            appraisal.final_score, appraisal.final_grade = appraisal.score, appraisal.grade

    # --- actuals --------------------------------------------------------------------------

    async def record_actual(
        self,
        appraisal_id: int,
        item_id: int,
        entry: ActualEntry,
        *,
        actor_employee_id: int,
        if_match: str | None,
        appraisal_office: bool = False,
        actor: str | None = None,
    ) -> AppraisalRead:
        """Record a typed-in actual as a snapshot; a scored sheet is scored again.

        Only a reviewer enters actuals (:func:`may_enter_actual`); on an automatic
        indicator the entry is an override of the collected value: it needs a reason and
        is written to the KPI audit log with the value before and after.
        """
        appraisal, cycle = await self._open(appraisal_id, if_match)
        employee = await self.org.get(appraisal.employee_id)
        if not may_enter_actual(
            actor_employee_id, appraised_employee_id=appraisal.employee_id,
            manager_id=employee.manager_id if employee else None,
            appraisal_office=appraisal_office,
        ):  # fmt: skip
            raise Forbidden(
                "actual values are entered by the appraised employee's manager or the "
                "appraisal administrator, never by the appraised employee"
            )
        self._require_cycle(
            cycle, *self._cycle_from(CycleState.COLLECTING, through=CycleState.CALIBRATION)
        )
        before_calibration = {
            AppraisalState.PENDING_SELF, AppraisalState.PENDING_MANAGER,
            AppraisalState.PENDING_CALIBRATION,
        }  # fmt: skip
        if AppraisalState(appraisal.state) not in before_calibration:
            raise InvalidTransition(
                f"appraisal {appraisal_id} is {appraisal.state}; actuals are final"
            )
        item = await self._item(appraisal_id, item_id)
        if item.kind != "indicator":
            raise UnprocessableContent(f"item {item_id} is qualitative; it has no actual value")
        automatic = await self.repository.indicator_kind(item.indicator_id) == "automatic"
        if automatic and entry.reason is None:
            raise UnprocessableContent(
                f"item {item_id} is collected automatically; overriding it needs a reason"
            )
        source = ActualSource.MANUAL_OVERRIDE if automatic else ActualSource.MANUAL
        before = item.actual
        await self.repository.add_snapshots(
            [{"appraisal_item_id": item_id, "value": entry.value, "source": source,
              "recorded_by": actor_employee_id, "note": entry.reason or entry.note}]
        )  # fmt: skip
        item.actual = entry.value
        await self.repository.save_items([item])
        detail: dict[str, Any] = {"item_id": item_id, "value": str(entry.value),
                                  "source": source.value}  # fmt: skip
        if automatic:
            detail.update(before=None if before is None else str(before), reason=entry.reason)
            await self.repository.add_audit_entry(
                kpi_audit_entry(
                    action="actual_overridden", entity="appraisal", entity_id=str(appraisal_id),
                    actor=actor, actor_employee_id=actor_employee_id,
                    before={"item_id": item_id, "value": detail["before"]},
                    after={**detail, "employee_id": appraisal.employee_id},
                )
            )  # fmt: skip
        await self.repository.add_event(
            appraisal_id, "actual_overridden" if automatic else "actual_recorded",
            actor_employee_id=actor_employee_id, detail=detail,
        )  # fmt: skip
        if appraisal.score is not None:
            await self._score(appraisal, await self.repository.items(appraisal_id))
        await self.repository.save(appraisal)
        return await self.read(appraisal_id)

    # --- review flow ----------------------------------------------------------------------

    async def submit_self_assessment(
        self, appraisal_id: int, data: SelfAssessment, *, actor_employee_id: int,
        if_match: str | None,
    ) -> AppraisalRead:  # fmt: skip
        appraisal, cycle = await self._open(appraisal_id, if_match)
        if actor_employee_id != appraisal.employee_id:
            raise Forbidden("only the appraised employee submits the self-assessment")
        self._require_cycle(
            cycle, *self._cycle_from(CycleState.SELF_REVIEW, through=CycleState.MANAGER_REVIEW)
        )
        await self._move(
            appraisal, AppraisalState.PENDING_MANAGER, "self_assessed", actor_employee_id
        )
        items = {item.id: item for item in await self.repository.items(appraisal_id)}
        for rating in data.ratings:
            item = items.get(rating.item_id)
            if item is None:
                raise UnprocessableContent(f"appraisal {appraisal_id} has no item {rating.item_id}")
            if rating.rating is not None:
                _check_rating(item, rating.rating)
                item.self_rating = rating.rating
            item.self_comment = rating.comment
        await self.repository.save_items(list(items.values()))
        appraisal.self_comment = data.comment
        await self.repository.save(appraisal)
        await self._step_done(appraisal_id, Step.SELF_ASSESSMENT)
        if review_is_due(CycleState(cycle.state), AppraisalState(appraisal.state)):
            await self._announce_review(cycle, appraisal_id)
        return await self.read(appraisal_id)

    async def submit_manager_review(
        self, appraisal_id: int, data: ManagerReview, *, actor_employee_id: int,
        if_match: str | None,
    ) -> AppraisalRead:  # fmt: skip
        """The employee's manager (per the org copy) rates, adjusts and so scores the sheet."""
        appraisal, cycle = await self._open(appraisal_id, if_match)
        employee = await self.org.get(appraisal.employee_id)
        if employee is None or employee.manager_id != actor_employee_id:
            raise Forbidden(
                f"employee {actor_employee_id} is not the manager of employee "
                f"{appraisal.employee_id} in the org copy"
            )
        self._require_cycle(
            cycle, *self._cycle_from(CycleState.MANAGER_REVIEW, through=CycleState.CALIBRATION)
        )
        await self._move(
            appraisal, AppraisalState.PENDING_CALIBRATION, "manager_reviewed", actor_employee_id,
            {"adjustments": [a.model_dump(mode="json") for a in data.adjustments]},
        )  # fmt: skip
        items = {item.id: item for item in await self.repository.items(appraisal_id)}
        for rating in data.ratings:
            item = items.get(rating.item_id)
            if item is None:
                raise UnprocessableContent(f"appraisal {appraisal_id} has no item {rating.item_id}")
            _check_rating(item, rating.rating)
            item.manager_rating = rating.rating
        for adjustment in data.adjustments:
            item = items.get(adjustment.item_id)
            if item is None or item.kind != "indicator":
                raise UnprocessableContent(
                    f"item {adjustment.item_id} is not an indicator item of this appraisal"
                )
            if not 0 <= adjustment.score <= MAX_SCORE:
                raise UnprocessableContent(
                    f"an adjusted score must be between 0 and {MAX_SCORE}, got {adjustment.score}"
                )
            item.adjusted_score = adjustment.score
            item.adjustment_reason = adjustment.reason
        appraisal.manager_comment = data.comment
        await self._score(appraisal, list(items.values()))
        await self.repository.save(appraisal)
        await self._step_done(appraisal_id, Step.REVIEW)
        return await self.read(appraisal_id)

    async def adjust_in_calibration(
        self, appraisal_id: int, data: CalibrationAdjustment, *, actor_employee_id: int,
        if_match: str | None,
    ) -> AppraisalRead:  # fmt: skip
        """Change the final score/grade during calibration; the reason is kept."""
        appraisal, cycle = await self._open(appraisal_id, if_match)
        self._require_cycle(cycle, CycleState.CALIBRATION)
        if appraisal.state != AppraisalState.PENDING_CALIBRATION:
            raise InvalidTransition(
                f"appraisal {appraisal_id} is {appraisal.state}, not in calibration"
            )
        if data.final_score is None and data.grade is None:
            raise UnprocessableContent("give a final_score, a grade or both")
        score = data.final_score if data.final_score is not None else appraisal.final_score
        assert score is not None
        grade = self._grade(
            score,
            data.grade if data.final_score is None or data.grade else None,
            band_override=data.band_override,
        )
        overridden = grade_outside_band(score, grade, self.grade_scale)
        before = {"final_score": str(appraisal.final_score), "final_grade": appraisal.final_grade}
        appraisal.final_score, appraisal.final_grade = score, grade
        appraisal.calibration_reason = data.reason
        assert appraisal.id is not None
        await self.repository.add_event(
            appraisal.id, "calibration_adjusted", actor_employee_id=actor_employee_id,
            detail={"before": before, "final_score": str(score), "final_grade": grade,
                    "band_override": overridden, "reason": data.reason},
        )  # fmt: skip
        if overridden:
            await self._audit_band_override(appraisal, score, grade, data.reason, actor_employee_id)
        await self.repository.save(appraisal)
        return await self.read(appraisal_id)

    async def acknowledge(
        self, appraisal_id: int, *, actor_employee_id: int, if_match: str | None
    ) -> AppraisalRead:
        appraisal, _ = await self._open(appraisal_id, if_match)
        if actor_employee_id != appraisal.employee_id:
            raise Forbidden("only the appraised employee acknowledges the result")
        await self._move(appraisal, AppraisalState.ACKNOWLEDGED, "acknowledged", actor_employee_id)
        await self.repository.save(appraisal)
        await self._step_done(appraisal_id, Step.RESULT)
        return await self.read(appraisal_id)

    async def lodge_appeal(
        self, appraisal_id: int, data: AppealLodge, *, actor_employee_id: int,
        if_match: str | None,
    ) -> AppraisalRead:  # fmt: skip
        appraisal, _ = await self._open(appraisal_id, if_match)
        if actor_employee_id != appraisal.employee_id:
            raise Forbidden("only the appraised employee lodges an appeal")
        await self._move(
            appraisal, AppraisalState.APPEALED, "appeal_lodged", actor_employee_id,
            {"reason": data.reason},
        )  # fmt: skip
        appraisal.appeal_reason = data.reason
        await self.repository.save(appraisal)
        await self._step_done(appraisal_id, Step.RESULT)  # answered by the appeal
        return await self.read(appraisal_id)

    async def resolve_appeal(
        self, appraisal_id: int, data: AppealResolution, *, actor_employee_id: int,
        if_match: str | None,
    ) -> AppraisalRead:  # fmt: skip
        appraisal, cycle = await self._open(appraisal_id, if_match)
        if actor_employee_id == appraisal.employee_id:
            raise Forbidden("an employee cannot resolve their own appeal")
        detail: dict[str, Any] = {"resolution": data.resolution}
        if data.final_score is not None or data.grade is not None:
            score = data.final_score if data.final_score is not None else appraisal.final_score
            assert score is not None
            grade = self._grade(score, data.grade, band_override=data.band_override)
            before = {
                "final_score": str(appraisal.final_score),
                "final_grade": appraisal.final_grade,
            }
            detail.update(before=before, final_score=str(score), final_grade=grade)
            if grade_outside_band(score, grade, self.grade_scale):
                detail.update(band_override=True)
                await self._audit_band_override(
                    appraisal, score, grade, data.resolution, actor_employee_id
                )
            if grade != appraisal.final_grade:
                exceptions = await self._recheck_distribution(
                    appraisal, grade, data.distribution_exception, actor_employee_id
                )
                if exceptions:
                    detail.update(
                        distribution_exception=data.distribution_exception,
                        violations=exceptions,
                    )
            appraisal.final_score, appraisal.final_grade = score, grade
        await self._move(
            appraisal, AppraisalState.APPEAL_RESOLVED, "appeal_resolved", actor_employee_id, detail
        )
        appraisal.appeal_resolution = data.resolution
        await self.repository.save(appraisal)
        if self.work_items is not None:
            (target,) = await self.repository.work_targets(ids=[appraisal_id])
            await self.work_items.appeal_decided(cycle.name, target)
        return await self.read(appraisal_id)

    # --- work items -----------------------------------------------------------------------

    async def _step_done(self, appraisal_id: int, step: Step) -> None:
        if self.work_items is not None:
            await self.work_items.step_done(appraisal_id, step)

    async def _announce_review(self, cycle: AppraisalCycle, appraisal_id: int) -> None:
        if self.work_items is not None:
            targets = await self.repository.work_targets(ids=[appraisal_id])
            await self.work_items.reviews_due(cycle.name, targets)

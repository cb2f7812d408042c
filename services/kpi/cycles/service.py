"""Cycles: creation with the population in bulk, the state machine, calibration. Never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.rules import (
    AppraisalState,
    CycleState,
    GradeScale,
    InvalidTransitionError,
    UnfinishedAppraisalsError,
    assert_cycle_can_close,
    assert_transition,
    distribution_violations,
    grade_counts,
)
from services.kpi.audit.models import kpi_audit_entry
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.cycles.repository import CycleRepository
from services.kpi.cycles.schemas import (
    CalibrationOverview,
    CycleCreate,
    DepartmentCalibration,
    GradeExcess,
)
from services.kpi.inbox.service import AppraisalWorkItems
from services.kpi.templates.repository import TemplateRepository
from shared.errors import (
    InvalidTransition,
    LimitExceeded,
    NotFound,
    UnmetPrerequisite,
    UnprocessableContent,
)

_BEFORE_CALIBRATION = {AppraisalState.PENDING_SELF, AppraisalState.PENDING_MANAGER}


class CycleService:
    """Create cycles, move them through their states, calibrate and lock departments."""

    def __init__(
        self,
        repository: CycleRepository,
        appraisals: AppraisalRepository,
        templates: TemplateRepository,
        grade_scale: GradeScale,
        target_max_share: Mapping[str, Decimal],
        enforce_distribution: bool,
        work_items: AppraisalWorkItems | None = None,
    ) -> None:
        self.repository = repository
        self.appraisals = appraisals
        self.templates = templates
        self.grade_scale = grade_scale
        self.target_max_share = dict(target_max_share)
        self.enforce_distribution = enforce_distribution
        self.work_items = work_items

    async def get(self, cycle_id: int, *, for_update: bool = False) -> AppraisalCycle:
        cycle = await self.repository.get(cycle_id, for_update=for_update)
        if cycle is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        return cycle

    async def list_page(
        self,
        *,
        state: str | None,
        period_kind: str | None,
        period: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[AppraisalCycle]:
        return await self.repository.list_page(
            state=state, period_kind=period_kind, period=period, after_id=after_id, limit=limit
        )

    async def _check_templates(self, data: CycleCreate) -> None:
        found = {t.id: t for t in await self.templates.get_many(data.template_ids)}
        missing = sorted(set(data.template_ids) - set(found))
        if missing:
            raise UnprocessableContent(f"template(s) {', '.join(map(str, missing))} do not exist")
        positions: set[str] = set()
        for template in found.values():
            if template.status != "published":
                raise UnprocessableContent(
                    f"template {template.id} is {template.status}; a cycle uses a published version"
                )
            if template.period_kind != data.period.kind:
                raise UnprocessableContent(
                    f"template {template.id} is for a {template.period_kind}, "
                    f"the cycle's period {data.period} is a {data.period.kind}"
                )
            if template.position_code in positions:
                raise UnprocessableContent(
                    f"two templates of the cycle are for position {template.position_code}"
                )
            positions.add(template.position_code)

    async def create(self, data: CycleCreate) -> AppraisalCycle:
        """The cycle and one appraisal (with its sheet) per employee, in two bulk statements."""
        await self._check_templates(data)
        cycle = await self.repository.add(
            AppraisalCycle(
                name=data.name,
                period_kind=data.period.kind.value,
                period=str(data.period),
                template_ids=sorted(set(data.template_ids)),
                department_ids=data.department_ids,
                position_codes=data.position_codes,
            )
        )
        assert cycle.id is not None
        count = await self.appraisals.create_for_cycle(
            cycle.id, cycle.template_ids, data.department_ids, data.position_codes
        )
        if count == 0:
            raise UnprocessableContent(
                "nobody in the org copy matches the cycle's population "
                "(active employees of the chosen departments holding the templates' positions)"
            )
        months = data.period.months()
        await self.appraisals.create_items_for_cycle(
            cycle.id, months[0].year, months[0].month, months[-1].month
        )
        cycle.appraisal_count = count
        if self.work_items is not None:
            targets = await self.appraisals.work_targets(cycle_id=cycle.id)
            await self.work_items.cycle_opened(cycle.name, targets)
        return await self.repository.save(cycle)

    async def transition(
        self, cycle_id: int, target: CycleState, *, actor: str | None = None
    ) -> AppraisalCycle:
        """Move forward one state; closing needs every appraisal calibrated (or later)."""
        cycle = await self.get(cycle_id, for_update=True)
        previous = cycle.state
        try:
            assert_transition(CycleState(cycle.state), target)
            if target is CycleState.CLOSED:
                states = await self.appraisals.states(cycle_id)
                assert_cycle_can_close({k: AppraisalState(v) for k, v in states.items()})
        except (InvalidTransitionError, UnfinishedAppraisalsError) as exc:
            raise InvalidTransition(str(exc), extra={"state": cycle.state}) from exc
        cycle.state = target.value
        await self._announce_step(cycle, target)
        self.repository.session.add(
            kpi_audit_entry(
                action="cycle_state_changed",
                entity="cycle",
                entity_id=str(cycle_id),
                actor=actor,
                before={"state": previous},
                after={"state": target.value},
            )
        )
        return await self.repository.save(cycle)

    async def _announce_step(self, cycle: AppraisalCycle, reached: CycleState) -> None:
        """The work items of the step the cycle has reached, for whoever it waits on."""
        if self.work_items is None:
            return
        if reached is CycleState.SELF_REVIEW:
            targets = await self.appraisals.work_targets(
                cycle_id=cycle.id, states=[AppraisalState.PENDING_SELF.value]
            )
            await self.work_items.self_assessments_due(cycle.name, targets)
        elif reached is CycleState.MANAGER_REVIEW:
            targets = await self.appraisals.work_targets(
                cycle_id=cycle.id, states=[AppraisalState.PENDING_MANAGER.value]
            )
            await self.work_items.reviews_due(cycle.name, targets)

    async def calibration(self, cycle_id: int) -> CalibrationOverview:
        """Per department: grade distribution of the reviewed, against the target shares."""
        await self.get(cycle_id)
        by_department: dict[int | None, list[tuple[str, str | None]]] = {}
        for department_id, state, grade in await self.appraisals.graded(cycle_id):
            by_department.setdefault(department_id, []).append((state, grade))
        departments = [
            self._department(department_id, rows)
            for department_id, rows in sorted(by_department.items(), key=lambda kv: kv[0] or 0)
        ]
        return CalibrationOverview(
            cycle_id=cycle_id, target_max_share=self.target_max_share, departments=departments
        )

    def _department(
        self, department_id: int | None, rows: list[tuple[str, str | None]]
    ) -> DepartmentCalibration:
        reviewed = [(state, grade) for state, grade in rows if state not in _BEFORE_CALIBRATION]
        counts = grade_counts([grade for _, grade in reviewed if grade], self.grade_scale)
        pending = sum(1 for state, _ in reviewed if state == AppraisalState.PENDING_CALIBRATION)
        return DepartmentCalibration(
            department_id=department_id,
            total=len(rows),
            awaiting_review=len(rows) - len(reviewed),
            pending_calibration=pending,
            locked=len(reviewed) - pending,
            grades=counts,
            violations=[
                GradeExcess(
                    grade=v.grade,
                    count=v.count,
                    total=v.total,
                    max_count=v.max_count,
                    share_percent=v.share_percent,
                    max_share_percent=v.max_share_percent,
                )
                for v in distribution_violations(counts, self.target_max_share)
            ],
        )

    async def lock_department(
        self, cycle_id: int, department_id: int | None, *, actor_employee_id: int
    ) -> int:
        """Lock a department's results: all reviewed, distribution within target (if enforced)."""
        cycle = await self.get(cycle_id, for_update=True)
        if cycle.state != CycleState.CALIBRATION:
            raise InvalidTransition(
                f"cycle {cycle_id} is {cycle.state}; departments lock in calibration"
            )
        overview = await self.calibration(cycle_id)
        department = next(
            (d for d in overview.departments if d.department_id == department_id), None
        )
        if department is None:
            raise NotFound(f"cycle {cycle_id} has nobody in department {department_id}")
        if department.awaiting_review:
            raise UnmetPrerequisite(
                f"{department.awaiting_review} appraisal(s) of department {department_id} "
                "have not been through manager review"
            )
        if department.violations and self.enforce_distribution:
            raise LimitExceeded(
                "the department's grades exceed the target distribution: "
                + "; ".join(
                    f"{v.count} of {v.total} graded {v.grade}, at most {v.max_count}"
                    for v in department.violations
                ),
                extra={"violations": [v.model_dump(mode="json") for v in department.violations]},
            )
        name = cycle.name  # the lock expires the session's objects
        locked = await self.appraisals.lock_department(cycle_id, department_id, actor_employee_id)
        if self.work_items is not None and locked:
            targets = await self.appraisals.work_targets(ids=locked)
            await self.work_items.results_to_acknowledge(name, targets)
        return len(locked)

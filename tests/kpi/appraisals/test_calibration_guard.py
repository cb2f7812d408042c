"""Calibration and appeals keep grades honest: bands need an override, appeals re-check shares.

Default bands: S ≥ 95, A ≥ 85, B ≥ 70, C ≥ 60, else D. Target: at most 10 % S, 20 % A.

Department 10, five people in calibration (final score → grade):
  201: 100.90 → S    202: 88.00 → A    203: 75.00 → B    204: 72.00 → B    205: 65.00 → C
With 5 people at most floor(5 × 10 / 100) = 0 S and floor(5 × 20 / 100) = 1 A may be given,
so the department already holds 1 S over its target (an exception made at calibration).
"""

from decimal import Decimal

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope
from services.kpi.appraisals.models import Appraisal
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.rules import DEFAULT_GRADE_SCALE, grade_for_score
from services.kpi.appraisals.schemas import AppealResolution, CalibrationAdjustment
from services.kpi.appraisals.service import AppraisalService
from services.kpi.audit.models import KpiAuditEntry
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.cycles.repository import CycleRepository
from services.kpi.org.repository import OrgRepository
from services.kpi.templates.models import AppraisalTemplate
from shared.errors import Conflict, UnprocessableContent

ADMIN = 900
SCORES = {201: "100.90", 202: "88.00", 203: "75.00", 204: "72.00", 205: "65.00"}


async def _department(session: AsyncSession, *, cycle_state: str, state: str) -> dict[int, int]:
    template = AppraisalTemplate(
        code="T", name="模板", position_code="KA-SPEC", period_kind="month"
    )
    session.add(template)
    await session.flush()
    assert template.id is not None
    cycle = AppraisalCycle(
        name="2026年11月考核", period_kind="month", period="2026-11", state=cycle_state,
        template_ids=[template.id],
    )  # fmt: skip
    session.add(cycle)
    await session.flush()
    assert cycle.id is not None
    ids = {}
    for employee, score in SCORES.items():
        grade = _band(score)
        row = Appraisal(
            cycle_id=cycle.id, employee_id=employee, template_id=template.id, department_id=10,
            state=state, score=Decimal(score), grade=grade, final_score=Decimal(score),
            final_grade=grade,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        assert row.id is not None
        ids[employee] = row.id
    return ids


def _band(score: str) -> str:
    return grade_for_score(Decimal(score), DEFAULT_GRADE_SCALE)


def _service(session: AsyncSession) -> AppraisalService:
    return AppraisalService(
        AppraisalRepository(session), CycleRepository(session), OrgRepository(session),
        DEFAULT_GRADE_SCALE, scope=KpiScope.everything(),
        target_max_share={"S": Decimal(10), "A": Decimal(20)},
    )  # fmt: skip


async def _etag(service: AppraisalService, appraisal_id: int) -> str:
    return f'"{(await service.read(appraisal_id)).version}"'


async def _audit(session: AsyncSession, action: str) -> list[KpiAuditEntry]:
    rows = await session.exec(select(KpiAuditEntry).where(KpiAuditEntry.action == action))
    return list(rows.all())


async def test_a_grade_outside_its_band_needs_the_override(kpi_session: AsyncSession) -> None:
    ids = await _department(kpi_session, cycle_state="calibration", state="pending_calibration")
    service = _service(kpi_session)
    # 100.90 is in S's band (≥ 95): B contradicts it and is refused without the flag.
    with pytest.raises(UnprocessableContent, match=r"contradicts final score 100\.90"):
        await service.adjust_in_calibration(
            ids[201], CalibrationAdjustment(grade="B", reason="按排名调整"),
            actor_employee_id=ADMIN, if_match=await _etag(service, ids[201]),
        )  # fmt: skip
    assert (await service.read(ids[201])).final_grade == "S"
    assert await _audit(kpi_session, "grade_band_overridden") == []

    # With the flag and the reason it is given, and the audit log says so.
    result = await service.adjust_in_calibration(
        ids[201],
        CalibrationAdjustment(grade="B", band_override=True, reason="部门S超比例,按排名调整"),
        actor_employee_id=ADMIN, if_match=await _etag(service, ids[201]),
    )  # fmt: skip
    assert (str(result.final_score), result.final_grade) == ("100.90", "B")
    [entry] = await _audit(kpi_session, "grade_band_overridden")
    assert entry.after["band_grade"] == "S" and entry.after["final_grade"] == "B"
    assert entry.after["reason"] == "部门S超比例,按排名调整"
    history = await service.history(ids[201])
    assert history[-1].detail["band_override"] is True


async def test_a_grade_inside_its_band_needs_no_override(kpi_session: AsyncSession) -> None:
    ids = await _department(kpi_session, cycle_state="calibration", state="pending_calibration")
    service = _service(kpi_session)
    # 88.00 → 84.50 moves 202 into B's band (70 ≤ 84.50 < 85); the grade follows the score.
    result = await service.adjust_in_calibration(
        ids[202], CalibrationAdjustment(final_score=Decimal("84.50"), reason="补录扣分"),
        actor_employee_id=ADMIN, if_match=await _etag(service, ids[202]),
    )  # fmt: skip
    assert (str(result.final_score), result.final_grade) == ("84.50", "B")
    assert await _audit(kpi_session, "grade_band_overridden") == []


async def test_an_appeal_after_the_lock_rechecks_the_distribution(
    kpi_session: AsyncSession,
) -> None:
    ids = await _department(kpi_session, cycle_state="calibration", state="appealed")
    service = _service(kpi_session)
    # 203 appeals 75.00 (B) → 86.00 (A). A would then hold 202 and 203: 2 > floor(5 × 20 %) = 1.
    with pytest.raises(Conflict, match="target distribution") as refused:
        await service.resolve_appeal(
            ids[203], AppealResolution(resolution="补录回款", final_score=Decimal("86.00")),
            actor_employee_id=ADMIN, if_match=await _etag(service, ids[203]),
        )  # fmt: skip
    assert refused.value.extra["violations"] == [
        {"grade": "A", "count": 2, "total": 5, "max_count": 1}
    ]
    assert (await service.read(ids[203])).final_grade == "B"

    # The same change with a recorded exception goes through and is audited.
    result = await service.resolve_appeal(
        ids[203],
        AppealResolution(
            resolution="补录回款", final_score=Decimal("86.00"),
            distribution_exception="回款到账时间为系统故障所致,经部门经理批准例外",
        ),
        actor_employee_id=ADMIN, if_match=await _etag(service, ids[203]),
    )  # fmt: skip
    assert (str(result.final_score), result.final_grade, result.state) == (
        "86.00", "A", "appeal_resolved",
    )  # fmt: skip
    [entry] = await _audit(kpi_session, "distribution_exception")
    assert entry.after["violations"] == [{"grade": "A", "count": 2, "total": 5, "max_count": 1}]


async def test_an_appeal_that_worsens_nothing_passes(kpi_session: AsyncSession) -> None:
    ids = await _department(kpi_session, cycle_state="calibration", state="appealed")
    service = _service(kpi_session)
    # 201 (S, already one over the 0 allowed) appeals down to 94.00 → A: S drops to 0, but A
    # would hold 202 and 201 = 2 > 1. Worse for A → refused. 205 (C) up to 71.00 → B: B holds
    # 3, no target on B, so nothing worsens and no exception is needed.
    result = await service.resolve_appeal(
        ids[205], AppealResolution(resolution="核实后调整", final_score=Decimal("71.00")),
        actor_employee_id=ADMIN, if_match=await _etag(service, ids[205]),
    )  # fmt: skip
    assert result.final_grade == "B"
    with pytest.raises(Conflict, match="target distribution"):
        await service.resolve_appeal(
            ids[201], AppealResolution(resolution="核实后调整", final_score=Decimal("94.00")),
            actor_employee_id=ADMIN, if_match=await _etag(service, ids[201]),
        )  # fmt: skip
    assert await _audit(kpi_session, "distribution_exception") == []

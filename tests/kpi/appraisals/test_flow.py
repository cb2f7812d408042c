"""The whole appraisal flow through the services, against a hand-computed score table.

Template: 回款率 (weight 40, absolute target 100, linear 60 %-floor / 120 cap), 销售目标达成率
(weight 40, target from decomposition), 工作态度 (weight 20, rating 1–5 → 0–100).
Sales plan of this year (the org copy is dated: a plan is checked at its date) for
department 10: 360,000.00 over three people equally, even months, so
each November target is 10,000.00.

| emp | 回款率 actual → score | 销售 actual → attainment → score | rating | final | grade   |
|-----|---------------------|-----------------------------------|--------|-------|---------|
| 101 | 90 → 90.00          | 9,000.00 → 90 % → 90.00           | 4 → 75 | 87.00 | A → B   |
| 102 | 70 → 70.00          | 8,333.33 → 83.3333 % → 83.33      | 3 → 50 | 71.33 | B       |
| 103 | 50 → 0.00 (< 60 %)  | 12,500.00 → 125 % → 120.00 (cap)  | 5 → 100| 68.00 | C       |

101: (40×90 + 40×90 + 20×75)/100 = 87.00; 102: (2800 + 3333.20 + 1000)/100 = 71.332 → 71.33;
103: (0 + 4800 + 2000)/100 = 68.00. With at most 20 % A, a department of three may have no
A, so 101 is calibrated to B with a reason before the department locks.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.demo import CatalogueDuties
from services.kpi.access import KpiScope
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.rules import DEFAULT_GRADE_SCALE, CycleState
from services.kpi.appraisals.schemas import (
    ActualEntry,
    AppealLodge,
    AppealResolution,
    CalibrationAdjustment,
    ManagerRating,
    ManagerReview,
    SelfAssessment,
    SelfRating,
)
from services.kpi.appraisals.service import AppraisalService
from services.kpi.bonus.repository import BonusRepository
from services.kpi.cycles.repository import CycleRepository
from services.kpi.cycles.schemas import CycleCreate
from services.kpi.cycles.service import CycleService
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.schemas import IndicatorCreate
from services.kpi.indicators.service import IndicatorService
from services.kpi.org.repository import OrgRepository
from services.kpi.org.service import OrgService
from services.kpi.rollups.repository import RollupRepository
from services.kpi.rollups.schemas import GroupBy
from services.kpi.rollups.service import RollupService
from services.kpi.targets.repository import TargetRepository
from services.kpi.targets.schemas import TargetPlanCreate
from services.kpi.targets.service import TargetService
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.schemas import TemplateCreate
from services.kpi.templates.service import TemplateService
from shared.errors import Conflict
from shared.org_events import OrgEmployeeEvent
from shared.sheet_language import SheetLanguage
from tests.kpi.conftest import employee_event, sheet

YEAR = date.today().year  # the dated org copy knows today, not a fixed year

MANAGER, ADMIN = 100, 900
EVERYONE = KpiScope.everything()
INPUTS = {  # employee: (回款率 actual, 销售 actual, rating)
    101: ("90", "9000.00", "4"),
    102: ("70", "8333.33", "3"),
    103: ("50", "12500.00", "5"),
}
EXPECTED = {101: ("87.00", "A"), 102: ("71.33", "B"), 103: ("68.00", "C")}
FINAL = {101: ("87.00", "B"), 102: ("71.33", "B"), 103: ("68.00", "C")}


async def test_whole_flow_matches_the_hand_computed_table(kpi_session: AsyncSession) -> None:
    session = kpi_session
    indicators = IndicatorRepository(session)
    org = OrgService(OrgRepository(session))
    await org.apply_events(
        [OrgEmployeeEvent.model_validate(employee_event(e)) for e in (101, 102, 103)]
        + [OrgEmployeeEvent.model_validate(employee_event(MANAGER, position_code="KA-DEV-LEAD"))]
    )
    indicator_service = IndicatorService(indicators)
    collection = await indicator_service.create(
        IndicatorCreate(code="f_collection", name="回款率", unit="%", kind="manual")
    )
    sales = await indicator_service.create(
        IndicatorCreate(code="f_sales", name="销售目标达成率", unit="元", kind="manual")
    )
    assert collection.id and sales.id
    templates = TemplateService(TemplateRepository(session), indicators, CatalogueDuties())
    template = await templates.create(
        TemplateCreate.model_validate(
            {
                **sheet(collection.id, sales.id),
                "code": "F-SPEC",
                "position_code": "KA-SPEC",
                "period_kind": "month",
            }
        )
    )
    await templates.publish(template.id, if_match=f'"{template.version}"')
    plan = await TargetService(
        TargetRepository(session), indicators, OrgRepository(session), scope=EVERYONE
    ).create(
        TargetPlanCreate.model_validate(
            {
                "indicator_id": sales.id,
                "year": YEAR,
                "department_id": 10,
                "total": "360000.00",
                "teams": [
                    {
                        "team_id": 10,
                        "share": "1",
                        "people": [{"employee_id": e, "share": "1"} for e in INPUTS],
                    }
                ],
            }
        )
    )
    assert plan.teams[0].people[0].months[11] == Decimal("10000.00")

    appraisals = AppraisalRepository(session)
    cycles = CycleService(
        CycleRepository(session), appraisals, TemplateRepository(session), DEFAULT_GRADE_SCALE,
        {"S": Decimal(10), "A": Decimal(20)}, enforce_distribution=True,
    )  # fmt: skip
    reviews = AppraisalService(
        appraisals,
        CycleRepository(session),
        OrgRepository(session),
        DEFAULT_GRADE_SCALE,
        scope=EVERYONE,
    )
    cycle = await cycles.create(
        CycleCreate.model_validate(
            {"name": f"{YEAR}年11月考核", "period": f"{YEAR}-11", "template_ids": [template.id]}
        )
    )
    assert cycle.id is not None and cycle.appraisal_count == 3
    rows = await appraisals.list_page(
        cycle_id=cycle.id, state=None, employee_id=None, department_id=None,
        after_id=None, limit=10, scope=EVERYONE,
    )  # fmt: skip
    by_employee = {row.employee_id: row.id for row in rows}
    assert set(by_employee) == set(INPUTS)

    async def etag(appraisal_id: int) -> str:
        return f'"{(await reviews.read(appraisal_id)).version}"'

    await cycles.transition(cycle.id, CycleState.COLLECTING)
    for employee, (collected, sold, _) in INPUTS.items():
        sheet_now = await reviews.read(by_employee[employee])
        items = {item.key: item for item in sheet_now.items}
        assert items["sales"].target == Decimal("10000.00")
        for key, value in (("collection", collected), ("sales", sold)):
            await reviews.record_actual(
                sheet_now.id, items[key].id, ActualEntry(value=Decimal(value)),
                actor_employee_id=ADMIN, if_match=await etag(sheet_now.id),
                appraisal_office=True,
            )  # fmt: skip

    await cycles.transition(cycle.id, CycleState.SELF_REVIEW)
    for employee, appraisal_id in by_employee.items():
        attitude = next(i for i in (await reviews.read(appraisal_id)).items if i.key == "attitude")
        await reviews.submit_self_assessment(
            appraisal_id,
            SelfAssessment(
                comment="本月按计划完成",
                ratings=[SelfRating(item_id=attitude.id, rating=Decimal(4))],
            ),
            actor_employee_id=employee, if_match=await etag(appraisal_id),
        )  # fmt: skip

    await cycles.transition(cycle.id, CycleState.MANAGER_REVIEW)
    for employee, appraisal_id in by_employee.items():
        attitude = next(i for i in (await reviews.read(appraisal_id)).items if i.key == "attitude")
        reviewed = await reviews.submit_manager_review(
            appraisal_id,
            ManagerReview(
                comment="同意",
                ratings=[ManagerRating(item_id=attitude.id, rating=Decimal(INPUTS[employee][2]))],
            ),
            actor_employee_id=MANAGER, if_match=await etag(appraisal_id),
        )  # fmt: skip
        assert (str(reviewed.score), reviewed.grade) == EXPECTED[employee]

    await cycles.transition(cycle.id, CycleState.CALIBRATION)
    overview = await cycles.calibration(cycle.id)
    assert overview.departments[0].grades["A"] == 1
    assert [v.grade for v in overview.departments[0].violations] == ["A"]
    with pytest.raises(Conflict, match="target distribution"):
        await cycles.lock_department(cycle.id, 10, actor_employee_id=ADMIN)
    with pytest.raises(Conflict, match="not yet calibrated"):
        await cycles.transition(cycle.id, CycleState.CLOSED)
    await reviews.adjust_in_calibration(
        by_employee[101], CalibrationAdjustment(
            grade="B", band_override=True, reason="部门A等比例超过20%,按排名调整"
        ),
        actor_employee_id=ADMIN, if_match=await etag(by_employee[101]),
    )  # fmt: skip
    assert await cycles.lock_department(cycle.id, 10, actor_employee_id=ADMIN) == 3

    await reviews.acknowledge(
        by_employee[101], actor_employee_id=101, if_match=await etag(by_employee[101])
    )
    await reviews.lodge_appeal(
        by_employee[102], AppealLodge(reason="回款数据未计入月末到账款项"),
        actor_employee_id=102, if_match=await etag(by_employee[102]),
    )  # fmt: skip
    await reviews.resolve_appeal(
        by_employee[102], AppealResolution(resolution="核实无误,维持原结果"),
        actor_employee_id=ADMIN, if_match=await etag(by_employee[102]),
    )  # fmt: skip
    closed = await cycles.transition(cycle.id, CycleState.CLOSED)
    assert closed.state == "closed"

    for employee, appraisal_id in by_employee.items():
        result = await reviews.read(appraisal_id)
        assert (str(result.final_score), result.final_grade) == FINAL[employee]
        collection_item = next(i for i in result.items if i.key == "collection")
        assert collection_item.actual_source == "manual"
        assert collection_item.actual_recorded_at is not None
    history = await reviews.history(by_employee[101])
    assert [e.action for e in history][-3:] == [
        "calibration_adjusted", "calibration_locked", "acknowledged",
    ]  # fmt: skip

    rollups = RollupService(
        RollupRepository(session), CycleRepository(session), DEFAULT_GRADE_SCALE,
        {"S": Decimal("1.5"), "A": Decimal("1.2"), "B": Decimal("1.0"), "C": Decimal("0.8")},
        scope=EVERYONE, bonus=BonusRepository(session), currency="CNY",
    )  # fmt: skip
    rollup = await rollups.cycle_rollup(cycle.id, GroupBy.DEPARTMENT)
    assert rollup.groups[0].average_score == Decimal("75.44")  # (87 + 71.33 + 68) / 3
    assert rollup.groups[0].grades == {"S": 0, "A": 0, "B": 2, "C": 1, "D": 0}
    csv_text = "".join(list(await rollups.export_csv(cycle.id, SheetLanguage.EN)))
    assert ",87.00,B,1.0" in csv_text and ",68.00,C,0.8" in csv_text

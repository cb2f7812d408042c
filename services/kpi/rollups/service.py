"""Roll-ups per team and department, trends over cycles, and the bonus export.

All of them are limited to the caller's scope (services.kpi.access): a team lead's roll-up,
trend and export hold his reporting subtree only, like his list of appraisals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.kpi.access import KpiScope
from services.kpi.appraisals.rules import GradeScale, bonus_factor
from services.kpi.bonus.repository import BonusRepository
from services.kpi.bonus.rules import AdjustmentKind, BonusLine, base_for, bonus_line
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.cycles.repository import CycleRepository
from services.kpi.rollups.repository import RollupRepository
from services.kpi.rollups.schemas import (
    CycleRollup,
    GroupBy,
    GroupRollup,
    IndicatorAttainment,
    Trend,
    TrendPoint,
)
from services.kpi.rollups.spreadsheet import xlsx_chunks
from shared.errors import NotFound
from shared.money import Money
from shared.sheet_language import SheetLanguage

_GROUP_COLUMN = {GroupBy.DEPARTMENT: "department_id", GroupBy.TEAM: "manager_id"}
_CENT = Decimal("0.01")

EXPORT_COLUMNS = (
    "employee_id", "employee_no", "name", "department_id", "manager_id", "position_code",
    "state", "score", "final_score", "final_grade", "bonus_factor", "bonus_base",
    "performance_bonus", "rewards", "penalties", "bonus_total", "currency",
)  # fmt: skip
"""The export's columns; the bonus ones follow services.kpi.bonus.rules (approved 奖惩 only)."""

ZH_EXPORT_TITLES = {
    "employee_id": "员工编号", "employee_no": "工号", "name": "姓名",
    "department_id": "部门编号", "manager_id": "上级", "position_code": "岗位",
    "state": "状态", "score": "得分", "final_score": "最终得分", "final_grade": "考核等级",
    "bonus_factor": "奖金系数", "bonus_base": "奖金基数", "performance_bonus": "绩效奖金",
    "rewards": "奖励", "penalties": "处罚", "bonus_total": "奖金合计", "currency": "币种",
}  # fmt: skip
"""Chinese headers of the export; in Chinese the manager column holds his name."""


def export_header(lang: SheetLanguage) -> list[str]:
    if lang is SheetLanguage.EN:
        return list(EXPORT_COLUMNS)
    return [ZH_EXPORT_TITLES[column] for column in EXPORT_COLUMNS]


def _average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(_CENT, rounding=ROUND_HALF_UP) if count else None


class RollupService:
    """Aggregates for charts and the CSV/XLSX export with each employee's bonus factor."""

    def __init__(
        self,
        repository: RollupRepository,
        cycles: CycleRepository,
        grade_scale: GradeScale,
        bonus_coefficients: Mapping[str, Decimal],
        *,
        scope: KpiScope,
        bonus: BonusRepository,
        currency: str,
    ) -> None:
        self.bonus = bonus
        self.currency = currency
        # Every aggregate and export counts only the appraisals in the caller's scope.
        self.scope = scope
        self.repository = repository
        self.cycles = cycles
        self.grade_scale = grade_scale
        self.bonus_coefficients = dict(bonus_coefficients)

    async def _cycle(self, cycle_id: int) -> AppraisalCycle:
        cycle = await self.cycles.get(cycle_id)
        if cycle is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        return cycle

    def _empty_grades(self) -> dict[str, int]:
        return dict.fromkeys(self.grade_scale.grades, 0)

    async def cycle_rollup(self, cycle_id: int, group_by: GroupBy) -> CycleRollup:
        cycle = await self._cycle(cycle_id)
        column = _GROUP_COLUMN[group_by]
        groups: dict[int | None, GroupRollup] = {}
        totals: dict[int | None, Decimal] = {}
        for group_id, grade, count, score_sum in await self.repository.grade_counts(
            cycle_id, column, self.scope
        ):
            group = groups.setdefault(
                group_id,
                GroupRollup(group_id=group_id, appraisals=0, scored=0, average_score=None,
                            grades=self._empty_grades(), indicators=[]),
            )  # fmt: skip
            group.appraisals += count
            if grade is not None:
                group.scored += count
                group.grades[grade] = group.grades.get(grade, 0) + count
                totals[group_id] = totals.get(group_id, Decimal(0)) + (score_sum or Decimal(0))
        for group_id, group in groups.items():
            group.average_score = _average(totals.get(group_id, Decimal(0)), group.scored)
        for group_id, indicator_id, items, attainment, score in await self.repository.attainment(
            cycle_id, column, self.scope
        ):
            if group_id in groups:
                groups[group_id].indicators.append(
                    IndicatorAttainment(
                        indicator_id=indicator_id,
                        items=items,
                        average_attainment_percent=attainment,
                        average_score=score,
                    )
                )
        if group_by is GroupBy.TEAM:
            names = await self.repository.employee_names([k for k in groups if k is not None])
            for group_id, group in groups.items():
                group.group_name = names.get(group_id) if group_id is not None else None
        ordered = [groups[key] for key in sorted(groups, key=lambda key: (key is None, key or 0))]
        assert cycle.id is not None
        return CycleRollup(
            cycle_id=cycle.id, period=cycle.period, group_by=group_by, groups=ordered
        )

    async def trend(self, period_kind: str, department_id: int | None, limit: int) -> Trend:
        # A department filter goes through the scope too: one the caller does not lead
        # answers like a department that does not exist.
        if department_id is not None and not self.scope.covers_department(department_id):
            raise NotFound(f"department {department_id} does not exist")
        points: dict[int, TrendPoint] = {}
        totals: dict[int, Decimal] = {}
        for cycle_id, period, grade, count, score_sum in await self.repository.trend(
            period_kind, department_id, limit, self.scope
        ):
            point = points.setdefault(
                cycle_id,
                TrendPoint(cycle_id=cycle_id, period=period, scored=0, average_score=None,
                           grades=self._empty_grades()),
            )  # fmt: skip
            if grade is not None:
                point.scored += count
                point.grades[grade] = point.grades.get(grade, 0) + count
                totals[cycle_id] = totals.get(cycle_id, Decimal(0)) + (score_sum or Decimal(0))
        for cycle_id, point in points.items():
            point.average_score = _average(totals.get(cycle_id, Decimal(0)), point.scored)
        return Trend(
            department_id=department_id, period_kind=period_kind, points=list(points.values())
        )

    def _bonus_factor(self, grade: str | None) -> Decimal | None:
        if grade is None or grade not in self.bonus_coefficients:
            return None
        return bonus_factor(grade, self.bonus_coefficients)

    async def _bonus_lines(
        self, cycle: AppraisalCycle, rows: list[dict[str, Any]]
    ) -> list[BonusLine]:
        """Each row's bonus: its base (person's, else position's) × coefficient ± approved 奖惩."""
        assert cycle.id is not None
        person_bases: dict[int, Money] = {}
        position_bases: dict[str, Money] = {}
        for base in await self.bonus.bases(cycle.period, self.scope):
            money = Money(amount=base.amount, currency=base.currency)
            if base.employee_id is not None:
                person_bases[base.employee_id] = money
            elif base.position_code is not None:
                position_bases[base.position_code] = money
        adjustments: dict[int, list[tuple[AdjustmentKind, Money]]] = {}
        for employee_id, kind, amount, currency in await self.bonus.approved_adjustments(cycle.id):
            adjustments.setdefault(employee_id, []).append(
                (AdjustmentKind(kind), Money(amount=amount, currency=currency))
            )
        return [
            bonus_line(
                base_for(row["employee_id"], row["position_code"], person_bases, position_bases),
                row["final_grade"], self.bonus_coefficients,
                adjustments.get(row["employee_id"], []), self.currency,
            )
            for row in rows
        ]  # fmt: skip

    async def _export_rows(self, cycle_id: int, lang: SheetLanguage) -> Iterator[list[Any]]:
        """The cycle's results in ``EXPORT_COLUMNS`` order (``None`` where there is nothing);
        in Chinese the manager by name."""
        cycle = await self._cycle(cycle_id)
        rows = await self.repository.export_rows(cycle_id, self.scope)
        lines = await self._bonus_lines(cycle, rows)
        if lang is SheetLanguage.ZH_CN:
            for row in rows:
                row["manager_id"] = row["manager_name"] or row["manager_id"]

        def amount(money: Money | None) -> Decimal | None:
            return None if money is None else money.amount

        return (
            [
                *(row[column] for column in EXPORT_COLUMNS[:10]),
                self._bonus_factor(row["final_grade"]),
                amount(line.base),
                amount(line.performance_bonus),
                line.rewards.amount,
                line.penalties.amount,
                amount(line.total),
                self.currency,
            ]
            for row, line in zip(rows, lines, strict=True)
        )

    async def export_csv(self, cycle_id: int, lang: SheetLanguage) -> Iterator[str]:
        """The cycle's results as CSV lines (UTF-8 with BOM so spreadsheets show 中文)."""
        rows = await self._export_rows(cycle_id, lang)

        def lines() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(export_header(lang))
            yield "\ufeff" + buffer.getvalue()
            for row in rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow(["" if value is None else value for value in row])
                yield buffer.getvalue()

        return lines()

    async def export_xlsx(self, cycle_id: int, lang: SheetLanguage) -> Iterator[bytes]:
        """The cycle's results as an XLSX workbook (one sheet, the CSV's columns)."""
        rows = await self._export_rows(cycle_id, lang)
        return xlsx_chunks(f"cycle-{cycle_id}", export_header(lang), rows)

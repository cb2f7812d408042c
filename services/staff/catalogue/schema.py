"""Schema of the staff service's built-in catalogue (部门职责 and 职位说明书).

The catalogue describes one key-account department as the company wrote it down: the
department tree with each unit's charter, functions and headcount plan, and one position
description per position. ``demo_people.yaml`` adds employees who hold those positions.

These models are pure pydantic (no database, no I/O): they validate the YAML files shipped
beside them, and the staff service seeds its tables from the validated objects. Every model
is frozen and refuses unknown keys, so a typo in the YAML fails loudly instead of being
dropped. Identifiers are stable English codes; text users read is Chinese.
"""

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from shared.money import ExactDecimal
from shared.numbers import JsonInt, NotABoolean

CODE_PATTERN: Final = r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$"
"""Department and position codes: upper-case words joined by hyphens (``KA-DEV-LEAD``)."""

_CODE_RE: Final = re.compile(CODE_PATTERN)

Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=32)]
SnakeCode = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$", max_length=64)
]
EmployeeNo = Annotated[str, StringConstraints(pattern=r"^E[0-9]{4}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
MAX_ITEMS = 100
"""The most items any list of a position description may hold."""


class EducationLevel(StrEnum):
    """Highest education completed (学历), in ascending order."""

    HIGH_SCHOOL = "high_school"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"

    @property
    def rank(self) -> int:
        """Position in the ascending order: ``high_school`` is 0, ``doctorate`` is 4."""
        return list(EducationLevel).index(self)


class DepartmentKind(StrEnum):
    """What level of the organisation a department is."""

    COMPANY = "company"
    DEPARTMENT = "department"
    TEAM = "team"


class PositionLevel(StrEnum):
    """Where a position sits: the department manager, a team lead (主管) or staff."""

    MANAGER = "manager"
    LEAD = "lead"
    STAFF = "staff"


class MeasureCriterion(StrEnum):
    """The yardstick a duty is appraised by (考核重点 / 衡量标准)."""

    WORK_STANDARD = "work_standard"
    TIMELY = "timely"
    ACCURATE = "accurate"
    COORDINATED = "coordinated"
    TARGET_ATTAINED = "target_attained"
    SATISFACTION = "satisfaction"


class EmploymentStatus(StrEnum):
    """An employee's status (在岗 / 休假 / 离职)."""

    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    DEPARTED = "departed"


EDUCATION_LABELS: Final[Mapping[EducationLevel, str]] = {
    EducationLevel.HIGH_SCHOOL: "高中/中专",
    EducationLevel.ASSOCIATE: "大专",
    EducationLevel.BACHELOR: "本科",
    EducationLevel.MASTER: "硕士研究生",
    EducationLevel.DOCTORATE: "博士研究生",
}
"""Chinese display labels for :class:`EducationLevel`."""

MEASURE_LABELS: Final[Mapping[MeasureCriterion, str]] = {
    MeasureCriterion.WORK_STANDARD: "工作规范",
    MeasureCriterion.TIMELY: "及时规范",
    MeasureCriterion.ACCURATE: "真实准确",
    MeasureCriterion.COORDINATED: "协调有效",
    MeasureCriterion.TARGET_ATTAINED: "目标达成",
    MeasureCriterion.SATISFACTION: "客户满意",
}
"""Chinese display labels for :class:`MeasureCriterion`."""

LIMITED_AUTHORITIES: Final[Mapping[str, str]] = {
    "approve_discount": "max_discount_percent",
    "approve_expense": "max_amount",
    "approve_service_compensation": "max_amount",
    "adjust_credit_score": "max_delta",
    "set_payment_plan": "max_amount",
}
"""Authority codes other services enforce, and the limit each must carry."""


class _Frozen(BaseModel):
    """Base of every catalogue model: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class FunctionArea(_Frozen):
    """A first-level function (一级职能) with its second-level functions (二级职能)."""

    code: SnakeCode
    name: Text
    sub_functions: tuple[Text, ...] = Field(min_length=2, max_length=MAX_ITEMS)


class Department(_Frozen):
    """A unit of the organisation: the company, the department or one of its teams.

    ``planned_headcount`` (部门人员编制) counts every position of the unit and of its
    sub-units; only the company root, which this catalogue does not plan, may leave it out.
    """

    code: Code
    name: Text
    kind: DepartmentKind
    parent_code: Code | None
    head_position_code: Code | None
    charter: Text
    functions: tuple[FunctionArea, ...] = Field(default=(), max_length=MAX_ITEMS)
    planned_headcount: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.planned_headcount is None and self.kind is not DepartmentKind.COMPANY:
            raise ValueError(f"department {self.code} needs a planned_headcount")
        _raise_if(_duplicates(f.code for f in self.functions), f"{self.code}: function codes")
        return self


class ExternalPosition(_Frozen):
    """A company-level position outside the catalogue that positions refer to."""

    code: Code
    title: Text
    department_code: Code


class Measure(_Frozen):
    """How a duty is appraised: the criterion and a sentence saying what is checked."""

    criterion: MeasureCriterion
    statement: Text


class Duty(_Frozen):
    """One duty (职责): statement, tasks, measure and importance (1 = most important)."""

    statement: Text
    tasks: tuple[Text, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    measure: Measure
    importance: JsonInt = Field(ge=1)


class AuthorityLimits(_Frozen):
    """Structured limits of an authority; an amount always carries its currency."""

    max_amount: ExactDecimal | None = Field(default=None, gt=0)
    currency: CurrencyCode | None = None
    max_discount_percent: ExactDecimal | None = Field(default=None, gt=0, le=100)
    max_delta: Annotated[int, Field(ge=1), NotABoolean] | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if (self.max_amount is None) != (self.currency is None):
            raise ValueError("max_amount and currency go together")
        if self.max_amount is None and self.max_discount_percent is None and self.max_delta is None:
            raise ValueError("limits must set at least one limit")
        return self

    def within(self, other: "AuthorityLimits") -> bool:
        """True when no limit here exceeds the same limit in ``other``."""
        pairs: tuple[tuple[Decimal | int | None, Decimal | int | None], ...] = (
            (self.max_amount, other.max_amount),
            (self.max_discount_percent, other.max_discount_percent),
            (self.max_delta, other.max_delta),
        )
        if self.currency is not None and self.currency != other.currency:
            return False
        return all(
            mine is None or (theirs is not None and mine <= theirs) for mine, theirs in pairs
        )


class Authority(_Frozen):
    """One right of a position (岗位权限), with limits when other services enforce it."""

    code: SnakeCode
    description: Text
    limits: AuthorityLimits | None = None

    @model_validator(mode="after")
    def _check_required_limit(self) -> Self:
        required = LIMITED_AUTHORITIES.get(self.code)
        if required is not None and (self.limits is None or getattr(self.limits, required) is None):
            raise ValueError(f"authority {self.code} needs limits.{required}")
        return self


class Authorities(_Frozen):
    """A position's rights grouped as personnel (人事权), financial (财务权), business (业务权)."""

    personnel: tuple[Authority, ...] = Field(default=(), max_length=MAX_ITEMS)
    financial: tuple[Authority, ...] = Field(default=(), max_length=MAX_ITEMS)
    business: tuple[Authority, ...] = Field(default=(), max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _check_unique(self) -> Self:
        _raise_if(_duplicates(a.code for a in self.all()), "authority codes")
        return self

    def all(self) -> Iterator[Authority]:
        """Every authority, personnel first, then financial, then business."""
        yield from self.personnel
        yield from self.financial
        yield from self.business

    def find(self, code: str) -> Authority | None:
        """The authority with ``code``, or None when the position does not hold it."""
        return next((a for a in self.all() if a.code == code), None)


class CollaborationParty(_Frozen):
    """Someone a position works with, and what for."""

    party: Text
    purpose: Text


class Collaboration(_Frozen):
    """Collaboration relations (工作协作关系): in the department, in the group, outside."""

    internal: tuple[CollaborationParty, ...] = Field(default=(), max_length=MAX_ITEMS)
    group: tuple[CollaborationParty, ...] = Field(default=(), max_length=MAX_ITEMS)
    external: tuple[CollaborationParty, ...] = Field(default=(), max_length=MAX_ITEMS)


class Qualifications(_Frozen):
    """Requirements to hold a position (任职资格).

    ``education_level`` and ``min_years_experience`` are hard requirements (what the
    qualification-rate KPI checks); majors, skills, certifications and languages describe
    the preferred profile. The seeds' 适应年龄/适应性别 are refused, not kept: equal
    treatment (docs/DOMAIN.md).
    """

    education_level: EducationLevel
    majors: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    min_years_experience: JsonInt = Field(ge=0)
    skills: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    certifications: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    languages: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)

    def is_met_by(self, education_level: EducationLevel, years_experience: int) -> bool:
        """True when a person's education and experience meet the hard requirements."""
        return (
            education_level.rank >= self.education_level.rank
            and years_experience >= self.min_years_experience
        )


class Training(_Frozen):
    """Training the position requires before taking it up (岗前) and while in it (在岗)."""

    pre_job: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    on_job: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)


class Authoring(_Frozen):
    """Who wrote, reviewed and approved the description, and when.

    Each of ``written_by``, ``reviewed_by`` and ``approved_by`` is a position code (checked
    against the catalogue) or a free-text name such as ``人力资源部``.
    """

    written_by: Text
    reviewed_by: Text
    approved_by: Text
    written_on: date
    approved_on: date

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        if self.approved_on < self.written_on:
            raise ValueError("approved_on is before written_on")
        return self


class Position(_Frozen):
    """A position description (职位说明书).

    ``reports_to`` is the direct superior's position code (直接上级): another position of
    the catalogue, or an external company-level position for the department manager.
    Direct subordinates are derived from it (:meth:`Catalogue.subordinates_of`).
    ``duties`` keep the order of the document; ``importance`` ranks them 1..n.
    """

    code: Code
    title: Text
    department_code: Code
    reports_to: Code | None
    level: PositionLevel
    headcount_quota: int = Field(ge=1)
    version: int = Field(default=1, ge=1)
    purpose: Text
    duties: tuple[Duty, ...] = Field(min_length=1, max_length=MAX_ITEMS)
    authorities: Authorities
    collaboration: Collaboration
    qualifications: Qualifications
    training: Training
    basis_documents: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    authoring: Authoring

    @model_validator(mode="after")
    def _check_importance(self) -> Self:
        ranks = [d.importance for d in self.duties]
        _raise_if(_duplicates(ranks), f"position {self.code}: duty importance")
        if sorted(ranks) != list(range(1, len(ranks) + 1)):
            raise ValueError(
                f"position {self.code}: duty importance must rank 1..{len(ranks)}, got {ranks}"
            )
        return self


class Catalogue(_Frozen):
    """The department's organisation: departments, external positions and positions.

    Validation guarantees unique codes, existing references, a department tree and a
    reporting tree (rooted at the department manager) without cycles, planned headcounts
    equal to the quotas below them, and delegated limits within the superior's.
    """

    version: int = Field(ge=1)
    effective_on: date
    departments: tuple[Department, ...] = Field(min_length=1)
    external_positions: tuple[ExternalPosition, ...] = ()
    positions: tuple[Position, ...] = Field(min_length=1)

    # Validators run in the order written; each relies on the ones above it.
    @model_validator(mode="after")
    def _check_unique_codes(self) -> Self:
        _raise_if(_duplicates(d.code for d in self.departments), "department codes")
        codes = [p.code for p in self.positions] + [p.code for p in self.external_positions]
        _raise_if(_duplicates(codes), "position codes")
        return self

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        _raise_all(_dangling_references(self))
        return self

    @model_validator(mode="after")
    def _check_department_tree(self) -> Self:
        parents = {d.code: d.parent_code for d in self.departments}
        _raise_all(_tree_problems("department", parents))
        problems: list[str] = []
        for dept in self.departments:
            head = self._position_map().get(dept.head_position_code or "")
            if head is not None and head.department_code not in self.ancestry(dept.code):
                problems.append(
                    f"department {dept.code}: head {head.code} belongs to "
                    f"{head.department_code}, neither the department nor above it"
                )
        _raise_all(problems)
        return self

    @model_validator(mode="after")
    def _check_reporting_tree(self) -> Self:
        internal = self._position_map()
        parents = {
            p.code: p.reports_to if p.reports_to in internal else None for p in self.positions
        }
        problems = _tree_problems("reports-to", parents)
        roots = [internal[code] for code, parent in parents.items() if parent is None]
        problems += [
            f"reports-to root {p.code} is not the department manager"
            for p in roots
            if p.level is not PositionLevel.MANAGER
        ]
        _raise_all(problems)
        return self

    @model_validator(mode="after")
    def _check_headcount(self) -> Self:
        problems: list[str] = []
        for dept in self.departments:
            if dept.planned_headcount is None:
                continue
            quotas = sum(p.headcount_quota for p in self.positions_in(dept.code))
            if quotas != dept.planned_headcount:
                problems.append(
                    f"department {dept.code} ({dept.name}) plans {dept.planned_headcount} "
                    f"but its positions' quotas sum to {quotas}"
                )
        _raise_all(problems)
        return self

    @model_validator(mode="after")
    def _check_delegated_limits(self) -> Self:
        positions = self._position_map()
        problems: list[str] = []
        for pos in self.positions:
            superior = positions.get(pos.reports_to or "")
            if superior is None:
                continue
            for authority in pos.authorities.all():
                if authority.limits is None:
                    continue
                above = superior.authorities.find(authority.code)
                if (
                    above is None
                    or above.limits is None
                    or not authority.limits.within(above.limits)
                ):
                    problems.append(
                        f"position {pos.code}: {authority.code} limits exceed those of "
                        f"its superior {superior.code} (or the superior does not hold it)"
                    )
        _raise_all(problems)
        return self

    def _position_map(self) -> dict[str, Position]:
        return {p.code: p for p in self.positions}

    def department(self, code: str) -> Department:
        """The department with ``code``; KeyError when there is none."""
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise KeyError(f"no department {code}")

    def position(self, code: str) -> Position:
        """The position with ``code``; KeyError when there is none."""
        try:
            return self._position_map()[code]
        except KeyError:
            raise KeyError(f"no position {code}") from None

    def ancestry(self, department_code: str) -> list[str]:
        """The department's code followed by its parents' codes up to the root."""
        parents = {d.code: d.parent_code for d in self.departments}
        chain: list[str] = []
        code: str | None = department_code
        while code is not None and code not in chain:
            chain.append(code)
            code = parents.get(code)
        return chain

    def positions_in(self, department_code: str) -> list[Position]:
        """Positions of the department and of every department below it."""
        return [p for p in self.positions if department_code in self.ancestry(p.department_code)]

    def subordinates_of(self, position_code: str) -> list[Position]:
        """Direct subordinate positions (直接下级) of ``position_code``."""
        return [p for p in self.positions if p.reports_to == position_code]


class DemoPerson(_Frozen):
    """A demo employee holding a position of the catalogue.

    ``years_experience`` is relevant working experience in years as of the demo data set.
    A departed employee has a ``departure_date`` and may name a ``successor_employee_no``.
    """

    employee_no: EmployeeNo
    name: Text
    position_code: Code
    hire_date: date
    status: EmploymentStatus
    departure_date: date | None = None
    successor_employee_no: EmployeeNo | None = None
    education_level: EducationLevel
    major: Text
    years_experience: int = Field(ge=0)
    skills: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)
    certifications: tuple[Text, ...] = Field(default=(), max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _check_departure(self) -> Self:
        departed = self.status is EmploymentStatus.DEPARTED
        if departed != (self.departure_date is not None):
            raise ValueError(f"{self.employee_no}: departure_date is set exactly when departed")
        if self.departure_date is not None and self.departure_date <= self.hire_date:
            raise ValueError(f"{self.employee_no}: departure_date is not after hire_date")
        if self.successor_employee_no is not None and not departed:
            raise ValueError(f"{self.employee_no}: only a departed employee has a successor")
        return self


class DemoPeople(_Frozen):
    """The demo employees; validate with ``context={"catalogue": catalogue}`` to check positions."""

    people: tuple[DemoPerson, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Self:
        by_no = {p.employee_no: p for p in self.people}
        _raise_if(_duplicates(p.employee_no for p in self.people), "employee numbers")
        problems: list[str] = []
        for person in self.people:
            successor = by_no.get(person.successor_employee_no or "")
            if person.successor_employee_no is not None and (
                successor is None or successor.status is EmploymentStatus.DEPARTED
            ):
                problems.append(f"{person.employee_no}: successor is not a current employee")
        context = info.context if isinstance(info.context, dict) else {}
        catalogue = context.get("catalogue")
        if isinstance(catalogue, Catalogue):
            known = {p.code for p in catalogue.positions}
            problems += [
                f"{p.employee_no}: unknown position {p.position_code}"
                for p in self.people
                if p.position_code not in known
            ]
        _raise_all(problems)
        return self

    def current(self) -> list[DemoPerson]:
        """Employees who have not departed (active or on leave)."""
        return [p for p in self.people if p.status is not EmploymentStatus.DEPARTED]

    def holders_of(self, position_code: str) -> list[DemoPerson]:
        """Current employees holding ``position_code``."""
        return [p for p in self.current() if p.position_code == position_code]


def _dangling_references(catalogue: Catalogue) -> list[str]:
    departments = {d.code for d in catalogue.departments}
    internal = {p.code for p in catalogue.positions}
    known = internal | {p.code for p in catalogue.external_positions}
    problems = [
        f"department {d.code}: unknown parent {d.parent_code}"
        for d in catalogue.departments
        if d.parent_code is not None and d.parent_code not in departments
    ]
    problems += [
        f"department {d.code}: unknown head position {d.head_position_code}"
        for d in catalogue.departments
        if d.head_position_code is not None and d.head_position_code not in known
    ]
    problems += [
        f"{kind} {p.code}: unknown department {p.department_code}"
        for kind, group in (
            ("position", catalogue.positions),
            ("external position", catalogue.external_positions),
        )
        for p in group
        if p.department_code not in departments
    ]
    for pos in catalogue.positions:
        if pos.reports_to is not None and pos.reports_to not in known:
            problems.append(f"position {pos.code}: reports to unknown position {pos.reports_to}")
        a = pos.authoring
        problems += [
            f"position {pos.code}: authoring names unknown position {who}"
            for who in (a.written_by, a.reviewed_by, a.approved_by)
            if _looks_like_code(who) and who not in known
        ]
    return problems


def _tree_problems(kind: str, parent_of: Mapping[str, str | None]) -> list[str]:
    """Cycles in a parent map, and a count of roots other than exactly one."""
    problems: list[str] = []
    reported: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path:
            path.append(node)
            node = parent_of.get(node)
        if node is not None and node not in reported:
            cycle = path[path.index(node) :]
            reported.update(cycle)
            problems.append(f"{kind} cycle: {' -> '.join([*cycle, node])}")
    roots = sorted(code for code, parent in parent_of.items() if parent is None)
    if len(roots) != 1:
        problems.append(f"{kind} tree must have exactly one root, found {roots or 'none'}")
    return problems


def _looks_like_code(value: str) -> bool:
    return _CODE_RE.fullmatch(value) is not None


def _duplicates(values: Iterable[Hashable]) -> list[Hashable]:
    seen: set[Hashable] = set()
    dupes: list[Hashable] = []
    for value in values:
        if value in seen and value not in dupes:
            dupes.append(value)
        seen.add(value)
    return dupes


def _raise_if(duplicates: list[Hashable], what: str) -> None:
    if duplicates:
        raise ValueError(f"duplicate {what}: {', '.join(map(str, duplicates))}")


def _raise_all(problems: list[str]) -> None:
    if problems:
        raise ValueError("; ".join(problems))

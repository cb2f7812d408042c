"""Pure rules of the qualification check (任职资格) and the rate of staff who meet it.

Education level and minimum years of experience are the hard requirements (what the
员工任职资格达标率 KPI counts); majors, skills and certifications are reported as
informational gaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.staff.catalogue.schema import EducationLevel, Qualifications

PERCENT = Decimal("0.01")


@dataclass(frozen=True)
class RequirementCheck:
    """One requirement of a position against what the employee has."""

    requirement: str
    required: Any
    actual: Any
    met: bool
    mandatory: bool


def check_qualifications(
    requirements: Qualifications,
    *,
    education_level: EducationLevel | None,
    years_experience: int,
    major: str | None,
    skills: Sequence[str],
    certifications: Sequence[str],
) -> list[RequirementCheck]:
    """Each requirement with whether it is met; unknown education never meets a level."""
    checks = [
        RequirementCheck(
            "education_level",
            requirements.education_level.value,
            education_level.value if education_level else None,
            education_level is not None
            and education_level.rank >= requirements.education_level.rank,
            mandatory=True,
        ),
        RequirementCheck(
            "min_years_experience",
            requirements.min_years_experience,
            years_experience,
            years_experience >= requirements.min_years_experience,
            mandatory=True,
        ),
    ]
    if requirements.majors:
        checks.append(
            RequirementCheck(
                "major", list(requirements.majors), major, major in requirements.majors, False
            )
        )
    checks += [
        RequirementCheck("skill", skill, skill in skills, skill in skills, mandatory=False)
        for skill in requirements.skills
    ]
    checks += [
        RequirementCheck(
            "certification", cert, cert in certifications, cert in certifications, False
        )
        for cert in requirements.certifications
    ]
    return checks


def meets_all(checks: Sequence[RequirementCheck]) -> bool:
    """Whether every mandatory requirement is met."""
    return all(check.met for check in checks if check.mandatory)


def qualification_rate(meeting: int, assessed: int) -> Decimal | None:
    """The share meeting all requirements, in percent to two places; None when none assessed."""
    if assessed == 0:
        return None
    return (Decimal(meeting) * 100 / Decimal(assessed)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def reporting_subtree(managers: Mapping[int, int | None], root: int) -> frozenset[int]:
    """``root`` and everyone whose chain of managers (``managers``: person → manager)
    reaches ``root``, directly or not; a cycle in the chain reaches nobody new."""
    reports: dict[int, list[int]] = {}
    for person, manager in managers.items():
        if manager is not None:
            reports.setdefault(manager, []).append(person)
    seen = {root}
    waiting = [root]
    while waiting:
        for person in reports.get(waiting.pop(), ()):
            if person not in seen:
                seen.add(person)
                waiting.append(person)
    return frozenset(seen)

"""Pure rules of the qualification check and rate."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.staff.catalogue.schema import EducationLevel, Qualifications
from services.staff.qualifications.rules import (
    check_qualifications,
    meets_all,
    qualification_rate,
    reporting_subtree,
)

REQUIRED = Qualifications(
    education_level=EducationLevel.BACHELOR,
    min_years_experience=3,
    majors=("市场营销",),
    skills=("商务谈判",),
    certifications=("销售资格证",),
)


def check(level: EducationLevel | None, years: int, skills: tuple[str, ...] = ()) -> list:
    return check_qualifications(
        REQUIRED, education_level=level, years_experience=years, major="市场营销",
        skills=skills, certifications=(),
    )  # fmt: skip


def test_hard_requirements_decide_and_soft_ones_are_listed() -> None:
    ok = check(EducationLevel.MASTER, 3)
    assert meets_all(ok)
    assert [c.requirement for c in ok if not c.met] == ["skill", "certification"]
    assert not meets_all(check(EducationLevel.ASSOCIATE, 10))
    assert not meets_all(check(EducationLevel.BACHELOR, 2))
    assert not meets_all(check(None, 10))


def test_rate_is_a_decimal_percent() -> None:
    assert qualification_rate(2, 3) == Decimal("66.67")
    assert qualification_rate(3, 3) == Decimal("100.00")
    assert qualification_rate(0, 0) is None


managers_maps = st.dictionaries(st.integers(1, 30), st.none() | st.integers(1, 30), max_size=30)


@given(managers_maps, st.integers(1, 30))
def test_the_reporting_subtree_is_everyone_whose_chain_reaches_the_root(
    managers: dict[int, int | None], root: int
) -> None:
    subtree = reporting_subtree(managers, root)

    def reaches(person: int) -> bool:
        seen: set[int] = set()
        while person not in seen:
            if person == root:
                return True
            seen.add(person)
            manager = managers.get(person)
            if manager is None:
                return False
            person = manager
        return False

    assert root in subtree
    assert subtree - {root} == {p for p in managers if p != root and reaches(p)}

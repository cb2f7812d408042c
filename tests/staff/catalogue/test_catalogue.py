"""The shipped key-account catalogue and demo people, and the schema that guards them."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.staff.catalogue.loader import load_catalogue, load_demo_people
from services.staff.catalogue.schema import (
    Catalogue,
    DemoPeople,
    EducationLevel,
    EmploymentStatus,
    PositionLevel,
)

ROLE_TITLES = {
    "KA-MGR": "大客户部经理",
    "KA-DEV-LEAD": "客户开发主管",
    "KA-PROD-LEAD": "产品支持主管",
    "KA-SVC-LEAD": "售后支持主管",
    "KA-KAM": "大客户经理",
    "KA-SPEC": "大客户专员",
    "KA-DATA": "数据分析岗",
    "KA-APPR": "考核管理专员",
    "KA-CLERK": "内勤",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def data(catalogue: Catalogue) -> dict[str, Any]:
    """A fresh, editable copy of the shipped catalogue."""
    return catalogue.model_dump(mode="json")


def _position(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(p for p in data["positions"] if p["code"] == code)


def _department(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(d for d in data["departments"] if d["code"] == code)


# --- the shipped catalogue -------------------------------------------------------------


def test_shipped_catalogue_has_every_role(catalogue: Catalogue) -> None:
    assert len(catalogue.positions) >= 9
    titles = {p.code: p.title for p in catalogue.positions}
    for code, title in ROLE_TITLES.items():
        assert titles[code] == title


def test_department_tree_is_company_department_teams(catalogue: Catalogue) -> None:
    ka = catalogue.department("KA")
    assert ka.name == "大客户部"
    assert ka.parent_code == "CO"
    teams = {d.name for d in catalogue.departments if d.parent_code == "KA"}
    assert {"客户开发组", "产品支持组", "售后支持组", "综合管理组"} <= teams
    function_names = {f.name for f in ka.functions}
    assert {"销售管理", "资金管理", "队伍管理", "客户管理", "推广管理", "业务管理", "信息管理"} <= (
        function_names
    )
    assert all(len(f.sub_functions) >= 2 for f in ka.functions)


def test_department_headcount_is_sum_of_quotas(catalogue: Catalogue) -> None:
    ka = catalogue.department("KA")
    assert ka.planned_headcount == sum(p.headcount_quota for p in catalogue.positions)
    dev = catalogue.department("KA-DEV")
    assert dev.planned_headcount == sum(p.headcount_quota for p in catalogue.positions_in("KA-DEV"))


def test_reporting_tree_is_rooted_at_department_manager(catalogue: Catalogue) -> None:
    internal = {p.code for p in catalogue.positions}
    roots = [p for p in catalogue.positions if p.reports_to not in internal]
    assert [p.code for p in roots] == ["KA-MGR"]
    assert roots[0].level is PositionLevel.MANAGER
    subordinates = {p.code for p in catalogue.subordinates_of("KA-MGR")}
    assert {"KA-DEV-LEAD", "KA-PROD-LEAD", "KA-SVC-LEAD"} <= subordinates


def test_duty_counts_follow_position_level(catalogue: Catalogue) -> None:
    for position in catalogue.positions:
        low, high = (4, 7) if position.level is PositionLevel.STAFF else (5, 9)
        assert low <= len(position.duties) <= high, position.code


def test_credit_score_authority_narrows_down_the_line(catalogue: Catalogue) -> None:
    def max_delta(code: str) -> int | None:
        authority = catalogue.position(code).authorities.find("adjust_credit_score")
        return None if authority is None or authority.limits is None else authority.limits.max_delta

    assert max_delta("KA-MGR") == 20
    assert max_delta("KA-DEV-LEAD") == 10
    assert max_delta("KA-KAM") == 5
    assert max_delta("KA-SPEC") is None


def test_money_limits_carry_currency(catalogue: Catalogue) -> None:
    for position in catalogue.positions:
        for authority in position.authorities.all():
            if authority.limits is not None and authority.limits.max_amount is not None:
                assert authority.limits.currency == "CNY"


def test_catalogue_is_immutable(catalogue: Catalogue) -> None:
    with pytest.raises(ValidationError):
        catalogue.position("KA-MGR").headcount_quota = 2  # type: ignore[misc]


# --- the validators --------------------------------------------------------------------


def test_rejects_reports_to_cycle(data: dict[str, Any]) -> None:
    _position(data, "KA-DEV-LEAD")["reports_to"] = "KA-KAM"
    with pytest.raises(ValidationError, match="reports-to cycle"):
        Catalogue.model_validate(data)


def test_rejects_second_reporting_root(data: dict[str, Any]) -> None:
    _position(data, "KA-DATA")["reports_to"] = None
    with pytest.raises(ValidationError, match="exactly one root"):
        Catalogue.model_validate(data)


def test_rejects_dangling_department_of_position(data: dict[str, Any]) -> None:
    _position(data, "KA-KAM")["department_code"] = "KA-NOPE"
    with pytest.raises(ValidationError, match="position KA-KAM: unknown department KA-NOPE"):
        Catalogue.model_validate(data)


def test_rejects_dangling_parent_department(data: dict[str, Any]) -> None:
    _department(data, "KA-SVC")["parent_code"] = "KA-NOPE"
    with pytest.raises(ValidationError, match="department KA-SVC: unknown parent KA-NOPE"):
        Catalogue.model_validate(data)


def test_rejects_dangling_reports_to(data: dict[str, Any]) -> None:
    _position(data, "KA-SPEC")["reports_to"] = "KA-GHOST"
    with pytest.raises(ValidationError, match="reports to unknown position KA-GHOST"):
        Catalogue.model_validate(data)


def test_rejects_department_cycle(data: dict[str, Any]) -> None:
    _department(data, "KA")["parent_code"] = "KA-DEV"
    with pytest.raises(ValidationError, match="department cycle"):
        Catalogue.model_validate(data)


def test_rejects_duplicate_importance(data: dict[str, Any]) -> None:
    duties = _position(data, "KA-KAM")["duties"]
    duties[1]["importance"] = duties[0]["importance"]
    with pytest.raises(ValidationError, match="duplicate position KA-KAM: duty importance"):
        Catalogue.model_validate(data)


def test_rejects_importance_gap(data: dict[str, Any]) -> None:
    _position(data, "KA-CLERK")["duties"][0]["importance"] = 9
    with pytest.raises(ValidationError, match=r"must rank 1\.\.5"):
        Catalogue.model_validate(data)


def test_rejects_headcount_mismatch_naming_departments(data: dict[str, Any]) -> None:
    _position(data, "KA-KAM")["headcount_quota"] += 1
    with pytest.raises(ValidationError) as caught:
        Catalogue.model_validate(data)
    message = str(caught.value)
    assert "department KA-DEV (客户开发组) plans 21 but its positions' quotas sum to 22" in message
    assert "department KA (大客户部) plans 38" in message
    assert "KA-PROD" not in message


def test_rejects_duplicate_position_code(data: dict[str, Any]) -> None:
    _position(data, "KA-CLERK")["code"] = "KA-DATA"
    with pytest.raises(ValidationError, match="duplicate position codes: KA-DATA"):
        Catalogue.model_validate(data)


def test_rejects_limit_above_superior(data: dict[str, Any]) -> None:
    for authority in _position(data, "KA-KAM")["authorities"]["business"]:
        if authority["code"] == "adjust_credit_score":
            authority["limits"]["max_delta"] = 15
    with pytest.raises(ValidationError, match="KA-KAM: adjust_credit_score limits exceed"):
        Catalogue.model_validate(data)


def test_rejects_enforced_authority_without_limit(data: dict[str, Any]) -> None:
    for authority in _position(data, "KA-MGR")["authorities"]["financial"]:
        if authority["code"] == "approve_expense":
            authority["limits"] = None
    with pytest.raises(ValidationError, match=r"approve_expense needs limits\.max_amount"):
        Catalogue.model_validate(data)


def test_rejects_unknown_field(data: dict[str, Any]) -> None:
    _position(data, "KA-MGR")["salary"] = "secret"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Catalogue.model_validate(data)


def test_rejects_unknown_education_level(data: dict[str, Any]) -> None:
    _position(data, "KA-MGR")["qualifications"]["education_level"] = "phd"
    with pytest.raises(ValidationError, match="education_level"):
        Catalogue.model_validate(data)


def test_loads_a_catalogue_from_a_given_path(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        (
            Path(__file__).parents[3] / "services/staff/catalogue/key_account_department.yaml"
        ).read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert load_catalogue(path) == catalogue


# --- demo people -----------------------------------------------------------------------


def test_demo_people_hold_existing_positions(catalogue: Catalogue) -> None:
    demo = load_demo_people(catalogue=catalogue)
    codes = {p.code for p in catalogue.positions}
    assert 35 <= len(demo.people) <= 45
    assert all(person.position_code in codes for person in demo.people)
    assert len({p.employee_no for p in demo.people}) == len(demo.people)


def test_demo_people_include_leave_and_departures(catalogue: Catalogue) -> None:
    demo = load_demo_people(catalogue=catalogue)
    statuses = [p.status for p in demo.people]
    assert EmploymentStatus.ON_LEAVE in statuses
    departed = [p for p in demo.people if p.status is EmploymentStatus.DEPARTED]
    assert 1 <= len(departed) <= 2
    for person in departed:
        assert person.departure_date is not None
        assert person.successor_employee_no is not None


def test_demo_people_fill_positions_roughly_to_quota(catalogue: Catalogue) -> None:
    demo = load_demo_people(catalogue=catalogue)
    gaps = {p.code: len(demo.holders_of(p.code)) - p.headcount_quota for p in catalogue.positions}
    assert all(-2 <= gap <= 1 for gap in gaps.values())
    assert any(gap < 0 for gap in gaps.values())


def test_some_demo_people_miss_their_qualifications(catalogue: Catalogue) -> None:
    demo = load_demo_people(catalogue=catalogue)
    order = list(EducationLevel)
    missing = []
    for person in demo.current():
        required = catalogue.position(person.position_code).qualifications
        below_education = order.index(person.education_level) < order.index(
            required.education_level
        )
        short_of_years = person.years_experience < required.min_years_experience
        if below_education or short_of_years:
            missing.append(person.employee_no)
        assert required.is_met_by(person.education_level, person.years_experience) is not (
            below_education or short_of_years
        )
    assert 1 <= len(missing) < len(demo.current()) // 2


def test_demo_people_reject_unknown_position(catalogue: Catalogue) -> None:
    data = load_demo_people(catalogue=catalogue).model_dump(mode="json")
    data["people"][0]["position_code"] = "KA-CEO"
    with pytest.raises(ValidationError, match="E0001: unknown position KA-CEO"):
        DemoPeople.model_validate(data, context={"catalogue": catalogue})


def test_demo_people_reject_departure_without_date(catalogue: Catalogue) -> None:
    data = load_demo_people(catalogue=catalogue).model_dump(mode="json")
    data["people"][1]["status"] = "departed"
    with pytest.raises(ValidationError, match="departure_date is set exactly when departed"):
        DemoPeople.model_validate(data)

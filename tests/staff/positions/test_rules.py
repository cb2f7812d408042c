"""Pure rules of position descriptions."""

from services.staff.positions.rules import diff_versions, reporting_cycle


def test_reporting_cycle_found_and_absent() -> None:
    lines = {"A": None, "B": "A", "C": "B"}
    assert reporting_cycle("A", "C", lines) == ["A", "C", "B", "A"]
    assert reporting_cycle("C", "A", lines) is None
    assert reporting_cycle("A", None, lines) is None
    # a cycle elsewhere in the data does not loop forever
    assert reporting_cycle("Z", "X", {"X": "Y", "Y": "X"}) is None


def test_diff_lists_and_objects() -> None:
    before = {
        "title": "旧",
        "authorities": {
            "financial": [{"code": "approve_discount", "limits": {"max_discount_percent": "5"}}]
        },
        "qualifications": {"education_level": "bachelor", "min_years_experience": 3},
        "basis_documents": ["甲", "乙"],
    }
    after = {
        "title": "旧",
        "authorities": {
            "financial": [{"code": "approve_discount", "limits": {"max_discount_percent": "8"}}],
            "business": [{"code": "set_business_plan"}],
        },
        "qualifications": {"education_level": "master", "min_years_experience": 3},
        "basis_documents": ["乙", "丙"],
    }
    fields = ("title", "authorities", "qualifications", "basis_documents")
    changes = {c["field"]: c for c in diff_versions(before, after, fields)}
    assert "title" not in changes
    assert changes["authorities"]["added"] == ["business:set_business_plan"]
    assert changes["authorities"]["changed"] == ["financial:approve_discount"]
    assert changes["qualifications"]["changed"] == ["education_level"]
    assert changes["basis_documents"]["added"] == ["丙"]
    assert changes["basis_documents"]["removed"] == ["甲"]

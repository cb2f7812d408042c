"""Pure rules of position descriptions."""

from hypothesis import given
from hypothesis import strategies as st

from services.staff.positions.rules import (
    approver_candidates,
    approver_positions,
    diff_versions,
    reporting_cycle,
)


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


def test_the_approver_is_the_named_one_else_a_head_above_else_nobody() -> None:
    from services.staff.positions.rules import approver_positions

    chain = ["KA-DEV-LEAD", "KA-MGR", "CO-GM"]  # team KA-DEV, department KA, company CO
    # the description names its approver: that wins over the department chain
    assert approver_positions("KA-KAM", "CO-HR-MGR", chain) == {"CO-HR-MGR"}
    # else the heads above it: its team lead's position and the managers above
    assert approver_positions("KA-KAM", None, chain) == {"KA-DEV-LEAD", "KA-MGR", "CO-GM"}
    # the head of a team is approved from above, never by his own position
    assert approver_positions("KA-DEV-LEAD", None, chain) == {"KA-MGR", "CO-GM"}
    # a department without a head is skipped on the way up
    assert approver_positions("KA-KAM", None, [None, "CO-GM"]) == {"CO-GM"}
    # the head at the top: nobody above, a second manager approves
    assert approver_positions("CO-GM", None, ["CO-GM"]) is None
    assert approver_positions("X", None, []) is None


@given(
    subjects=st.tuples(
        st.sampled_from(["user:1", "user:2", None]), st.sampled_from(["user:1", "user:2", None])
    ),
    employees=st.tuples(st.sampled_from([1, 2, None]), st.sampled_from([1, 2, None])),
)
def test_same_person_is_symmetric_and_matches_on_either_identity(
    subjects: tuple[str | None, str | None], employees: tuple[int | None, int | None]
) -> None:
    from services.staff.positions.rules import same_person

    a, b = (subjects[0], employees[0]), (subjects[1], employees[1])
    assert same_person(a, b) == same_person(b, a)
    expected = (a[0] is not None and a[0] == b[0]) or (a[1] is not None and a[1] == b[1])
    assert same_person(a, b) == expected
    if a[0] is not None or a[1] is not None:
        assert same_person(a, a)  # nobody approves what they submitted


def test_peer_code_problems() -> None:
    from services.staff.positions.rules import peer_code_problems

    assert peer_code_problems("A", ["B", "C"]) == []
    assert peer_code_problems("A", ["A", "B", "B"]) == [
        "position A cannot be its own peer",
        "peer positions named twice: B",
    ]


codes = st.sampled_from(["A", "B", "C", "D", "E"])


@given(
    code=codes,
    named=st.none() | codes,
    heads=st.lists(st.none() | codes, max_size=6),
)
def test_whom_to_ask_is_exactly_who_may_approve_nearest_first(
    code: str, named: str | None, heads: list[str | None]
) -> None:
    asked = approver_candidates(code, named, heads)
    allowed = approver_positions(code, named, heads)
    assert set(asked) == (allowed or set())
    assert len(asked) == len(set(asked))
    if named is None and asked:
        first_head = next(h for h in heads if h is not None and h != code)
        assert asked[0] == first_head  # the nearest department head above

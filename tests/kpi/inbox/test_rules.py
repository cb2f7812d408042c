"""The rules of kpi's work items: when a review is due, keys and titles staff accepts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from services.kpi.appraisals.rules import AppraisalState, CycleState
from services.kpi.inbox.rules import (
    TITLE_LENGTH,
    AppraisalTarget,
    Step,
    appeal_decided,
    cycle_opened,
    result_to_acknowledge,
    review_due,
    review_is_due,
    self_assessment_due,
    source_key,
)

STAFF_KEY = re.compile(r"^[A-Za-z0-9._:/-]{1,100}$")  # staff's SourceKey
STAFF_PATH = re.compile(r"^/v1/[A-Za-z0-9._~/%?=&-]*$")  # staff's record_path
names = st.text(min_size=1, max_size=100)
ids = st.integers(min_value=1, max_value=2_147_483_647)


@given(cycle=st.sampled_from(CycleState), appraisal=st.sampled_from(AppraisalState))
def test_a_review_is_due_exactly_when_self_assessed_in_manager_review_or_later(
    cycle: CycleState, appraisal: AppraisalState
) -> None:
    expected = appraisal is AppraisalState.PENDING_MANAGER and cycle in {
        CycleState.MANAGER_REVIEW,
        CycleState.CALIBRATION,
    }
    assert review_is_due(cycle, appraisal) is expected


@given(cycle=names, person=names, appraisal_id=ids, employee=ids, reviewer=ids | st.none())
def test_every_item_fits_staffs_posting_contract(
    cycle: str, person: str, appraisal_id: int, employee: int, reviewer: int | None
) -> None:
    target = AppraisalTarget(appraisal_id, employee, person, reviewer, final_grade="B")
    makers = (cycle_opened, self_assessment_due, result_to_acknowledge, appeal_decided)
    notes = [make(cycle, target) for make in makers]
    review = review_due(cycle, target)
    assert (review is None) is (reviewer is None)
    notes += [review] if review is not None else []
    keys = [note.source_key for note in notes]
    assert len(set(keys)) == len(keys)  # one item per step
    for note in notes:
        payload = note.payload()
        assert STAFF_KEY.match(payload["source_key"])
        assert STAFF_PATH.match(payload["record_path"])
        assert 1 <= len(payload["title"]) <= TITLE_LENGTH
    assert review is None or review.employee_id == reviewer
    assert all(n.employee_id == employee for n in notes if n is not review)


def test_keys_name_the_appraisal_and_the_step() -> None:
    assert source_key(812, Step.REVIEW) == "appraisal:812:review"
    target = AppraisalTarget(812, 7, "张伟", 3, final_grade=None)
    assert (
        result_to_acknowledge("2026年11月", target).title
        == "「2026年11月」考核结果已出，请确认或申诉"
    )
    assert cycle_opened("2026年11月", target).severity == "info"

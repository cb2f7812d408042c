"""Which appraisal step asks whom to act, and how its work item reads (pure, no I/O).

Each item has a source key of its own (``appraisal:<id>:<step>``): staff keeps one item per
key however often the outbox delivers it, and kpi closes the item by the same key when the
step is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.kpi.appraisals.rules import AppraisalState, CycleState

TITLE_LENGTH = 200
"""The longest title staff's inbox takes."""


class ItemKind(StrEnum):
    """The kinds kpi posts (staff's ``WorkItemKind`` of the posting contract)."""

    APPRAISAL_STEP = "appraisal_step"
    APPRAISAL_RESULT = "appraisal_result"
    APPEAL_DECIDED = "appeal_decided"


class Step(StrEnum):
    """The step of an appraisal an item is about: the last part of its source key."""

    CYCLE_OPENED = "cycle-opened"
    SELF_ASSESSMENT = "self-assessment"
    REVIEW = "review"
    RESULT = "result"
    APPEAL_DECIDED = "appeal-decided"


@dataclass(frozen=True)
class AppraisalTarget:
    """One appraisal as the items about it need it: whose, who reviews it, its result."""

    appraisal_id: int
    employee_id: int
    employee_name: str
    reviewer_id: int | None
    final_grade: str | None = None


@dataclass(frozen=True)
class WorkItemNote:
    """One work item for staff's inbox (the body of ``POST /v1/staff/internal/work-items``)."""

    source_key: str
    employee_id: int
    kind: ItemKind
    title: str
    record_path: str
    severity: str = "normal"

    def payload(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "employee_id": self.employee_id,
            "kind": self.kind.value,
            "title": self.title[:TITLE_LENGTH],
            "record_path": self.record_path,
            "severity": self.severity,
        }


def source_key(appraisal_id: int, step: Step) -> str:
    """The item's key in staff's inbox (unique among kpi's items)."""
    return f"appraisal:{appraisal_id}:{step.value}"


def appraisal_path(appraisal_id: int) -> str:
    """The API path of the appraisal the item links to."""
    return f"/v1/kpi/appraisals/{appraisal_id}"


def review_is_due(cycle_state: CycleState, appraisal_state: AppraisalState) -> bool:
    """The manager's review waits for him once the employee has assessed himself and the
    cycle has reached manager review (a late self-assessment makes it due at once)."""
    return appraisal_state is AppraisalState.PENDING_MANAGER and cycle_state in {
        CycleState.MANAGER_REVIEW,
        CycleState.CALIBRATION,
    }


def cycle_opened(cycle: str, target: AppraisalTarget) -> WorkItemNote:
    """To the appraised person: the cycle has begun (informational)."""
    return WorkItemNote(
        source_key(target.appraisal_id, Step.CYCLE_OPENED),
        target.employee_id,
        ItemKind.APPRAISAL_STEP,
        f"考核周期「{cycle}」已开启，请查看您的考核表",
        appraisal_path(target.appraisal_id),
        severity="info",
    )


def self_assessment_due(cycle: str, target: AppraisalTarget) -> WorkItemNote:
    """To the appraised person: his self-assessment is open."""
    return WorkItemNote(
        source_key(target.appraisal_id, Step.SELF_ASSESSMENT),
        target.employee_id,
        ItemKind.APPRAISAL_STEP,
        f"请完成「{cycle}」的自评",
        appraisal_path(target.appraisal_id),
    )


def review_due(cycle: str, target: AppraisalTarget) -> WorkItemNote | None:
    """To the reviewer (the manager in the org copy); None when nobody reviews it."""
    if target.reviewer_id is None:
        return None
    return WorkItemNote(
        source_key(target.appraisal_id, Step.REVIEW),
        target.reviewer_id,
        ItemKind.APPRAISAL_STEP,
        f"请评审{target.employee_name}的「{cycle}」考核",
        appraisal_path(target.appraisal_id),
    )


def result_to_acknowledge(cycle: str, target: AppraisalTarget) -> WorkItemNote:
    """To the appraised person: the calibrated result waits for his acknowledgement."""
    grade = f"（等级 {target.final_grade}）" if target.final_grade else ""
    return WorkItemNote(
        source_key(target.appraisal_id, Step.RESULT),
        target.employee_id,
        ItemKind.APPRAISAL_RESULT,
        f"「{cycle}」考核结果已出{grade}，请确认或申诉",
        appraisal_path(target.appraisal_id),
    )


def appeal_decided(cycle: str, target: AppraisalTarget) -> WorkItemNote:
    """To the appraised person: his appeal has been decided."""
    grade = f"（最终等级 {target.final_grade}）" if target.final_grade else ""
    return WorkItemNote(
        source_key(target.appraisal_id, Step.APPEAL_DECIDED),
        target.employee_id,
        ItemKind.APPEAL_DECIDED,
        f"您对「{cycle}」考核结果的申诉已裁决{grade}",
        appraisal_path(target.appraisal_id),
    )

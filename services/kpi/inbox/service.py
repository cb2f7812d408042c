"""The work items of the appraisal flow: posted and closed with the change that causes them."""

from __future__ import annotations

from collections.abc import Sequence

from services.kpi.inbox.repository import WorkItemOutbox
from services.kpi.inbox.rules import (
    AppraisalTarget,
    Step,
    appeal_decided,
    cycle_opened,
    result_to_acknowledge,
    review_due,
    self_assessment_due,
    source_key,
)


class AppraisalWorkItems:
    """Tells people what the appraisal flow asks of them; never commits."""

    def __init__(self, outbox: WorkItemOutbox) -> None:
        self.outbox = outbox

    async def cycle_opened(self, cycle: str, targets: Sequence[AppraisalTarget]) -> None:
        await self.outbox.post([cycle_opened(cycle, t) for t in targets])

    async def self_assessments_due(self, cycle: str, targets: Sequence[AppraisalTarget]) -> None:
        """The self-assessment replaces the notice that the cycle opened."""
        await self.outbox.close([source_key(t.appraisal_id, Step.CYCLE_OPENED) for t in targets])
        await self.outbox.post([self_assessment_due(cycle, t) for t in targets])

    async def reviews_due(self, cycle: str, targets: Sequence[AppraisalTarget]) -> None:
        notes = [review_due(cycle, t) for t in targets]
        await self.outbox.post([note for note in notes if note is not None])

    async def results_to_acknowledge(self, cycle: str, targets: Sequence[AppraisalTarget]) -> None:
        await self.outbox.post([result_to_acknowledge(cycle, t) for t in targets])

    async def appeal_decided(self, cycle: str, target: AppraisalTarget) -> None:
        await self.outbox.post([appeal_decided(cycle, target)])

    async def step_done(self, appraisal_id: int, *steps: Step) -> None:
        """Close the items of these steps of the appraisal: their work is done."""
        await self.outbox.close([source_key(appraisal_id, step) for step in steps])

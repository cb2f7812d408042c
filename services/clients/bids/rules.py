"""Pure rules of bids (招投标): the order of a tender's dates, the bond (投标保证金), the
documents checklist, the result, and which deadlines are coming up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class BidResult(StrEnum):
    WON = "won"  # 中标
    LOST = "lost"  # 未中标
    WITHDRAWN = "withdrawn"  # 弃标


class DeadlineKind(StrEnum):
    QUESTIONS = "questions"  # 答疑截止
    SUBMISSION = "submission"  # 投标截止
    OPENING = "opening"  # 开标


class BidRuleBroken(ValueError):
    """A bid's dates, bond or checklist do not fit together (the field is named)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_dates(
    questions_deadline: datetime | None, submission_deadline: datetime, opening_at: datetime | None
) -> None:
    """Questions close no later than submission, and the bids are opened no earlier."""
    if questions_deadline is not None and questions_deadline > submission_deadline:
        raise BidRuleBroken(
            "questions_deadline", "the questions deadline is after the submission deadline"
        )
    if opening_at is not None and opening_at < submission_deadline:
        raise BidRuleBroken("opening_at", "the bids are opened before the submission deadline")


def check_bond(paid_on: date | None, returned_on: date | None) -> None:
    """A bond comes back only after it was paid."""
    if returned_on is None:
        return
    if paid_on is None:
        raise BidRuleBroken("bond_returned_on", "a bond cannot be returned before it is paid")
    if returned_on < paid_on:
        raise BidRuleBroken("bond_returned_on", "the bond is returned before it was paid")


def check_checklist(names: Iterable[str]) -> None:
    """Each document is listed once (compared without case or surrounding space)."""
    seen: set[str] = set()
    for name in names:
        key = name.strip().casefold()
        if key in seen:
            raise BidRuleBroken("documents", f"the document {name!r} is listed twice")
        seen.add(key)


@dataclass(frozen=True)
class ChecklistProgress:
    done: int
    total: int

    @property
    def complete(self) -> bool:
        """Every listed document is ready (an empty list is not: nothing was prepared)."""
        return self.total > 0 and self.done == self.total


def checklist_progress(done_flags: Sequence[bool]) -> ChecklistProgress:
    return ChecklistProgress(done=sum(1 for d in done_flags if d), total=len(done_flags))


def check_result(result: BidResult, submission_deadline: datetime, now: datetime) -> None:
    """Won or lost is known only once the bids are in (after the submission deadline);
    withdrawing is possible at any time."""
    if result is not BidResult.WITHDRAWN and now < submission_deadline:
        raise BidRuleBroken(
            "result", "a bid is won or lost only after its submission deadline has passed"
        )


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    at: datetime


def upcoming_deadlines(
    questions_deadline: datetime | None,
    submission_deadline: datetime,
    opening_at: datetime | None,
    *,
    now: datetime,
    within: timedelta,
) -> list[Deadline]:
    """The deadlines of an undecided bid from ``now`` (inclusive) to ``now + within``
    (inclusive), earliest first."""
    dates = [
        (DeadlineKind.QUESTIONS, questions_deadline),
        (DeadlineKind.SUBMISSION, submission_deadline),
        (DeadlineKind.OPENING, opening_at),
    ]
    found = [
        Deadline(kind, at) for kind, at in dates if at is not None and now <= at <= now + within
    ]
    return sorted(found, key=lambda d: d.at)

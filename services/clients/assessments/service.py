"""Assessments (大客户需求分析表 / 大客户关系评估表): dated records with scored dimensions
and, for needs assessments, the recorded needs. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

from services.clients.access import require_assignable
from services.clients.accounts.repository import AccountRepository
from services.clients.assessments.models import Assessment
from services.clients.assessments.repository import AssessmentRepository
from services.clients.assessments.rules import RuleViolation, overall_score
from services.clients.assessments.schemas import AssessmentCreate, AssessmentQuery
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from shared.errors import NotFound, RecordClosed, UnprocessableContent

OwnerScope = Collection[int] | None


def _field_error(loc: list[str], message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        f"{loc[-1]}: {message}", extra={"errors": [{"loc": loc, "msg": message, "type": kind}]}
    )


class AssessmentService:
    """Assessments of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: AssessmentRepository,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.today = today

    async def create(
        self,
        account_id: int,
        data: AssessmentCreate,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Assessment:
        account = await self.accounts.visible(account_id, owner_ids)
        if account.status == "archived":
            raise RecordClosed(
                f"account {account_id} is archived; restore it before assessing it",
                extra={"reason": "account_archived"},
            )
        assessed_on = data.assessed_on or self.today()
        if assessed_on > self.today():
            raise _field_error(
                ["body", "assessed_on"], f"{assessed_on} is in the future", "date_in_future"
            )
        if data.assessed_by is not None:
            require_assignable(owner_ids, data.assessed_by, "assessed_by")
        assessed_by = data.assessed_by or actor_employee_id
        if assessed_by is None:
            raise _field_error(["body", "assessed_by"], "say who assessed", "missing")
        try:
            overall = overall_score([(d.score, d.weight) for d in data.dimensions])
        except RuleViolation as exc:
            raise _field_error(["body", "dimensions"], str(exc), "weights") from None
        assessment = await self.repository.add(
            Assessment(
                account_id=account_id,
                kind=data.kind.value,
                assessed_on=assessed_on,
                assessed_by=assessed_by,
                dimensions=[d.model_dump(mode="json") for d in data.dimensions],
                overall_score=overall,
                needs=[n.model_dump(mode="json") for n in data.needs],
                summary=data.summary,
            )
        )
        assert assessment.id is not None
        self.audit.record(
            entity=AuditEntity.ASSESSMENT,
            entity_id=assessment.id,
            account_id=account_id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(assessment),
        )
        return assessment

    async def get(self, assessment_id: int, owner_ids: OwnerScope) -> Assessment:
        assessment = await self.repository.get(assessment_id, owner_ids=owner_ids)
        if assessment is None:
            raise NotFound(f"assessment {assessment_id} does not exist")
        return assessment

    async def check_filters(self, filters: AssessmentQuery) -> None:
        start, end = filters.assessed_from, filters.assessed_to
        if start and end and end < start:
            raise _field_error(
                ["query", "assessed_to"], f"{end} is before assessed_from {start}", "date_range"
            )

    async def for_account(
        self,
        account_id: int,
        filters: AssessmentQuery,
        owner_ids: OwnerScope,
        *,
        after_id: int | None,
        limit: int,
    ) -> list[Assessment]:
        await self.check_filters(filters)
        await self.accounts.visible(account_id, owner_ids)
        scoped = filters.model_copy(update={"account_id": account_id})
        return list(await self.repository.list(scoped, after_id=after_id, limit=limit))

"""Satisfaction surveys (满意度调查): one score per account and month or quarter, credited
to the account's owner when recorded. Never commits."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from datetime import date

from sqlalchemy.exc import IntegrityError

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.contacts.repository import ContactRepository
from services.clients.surveys.models import SatisfactionSurvey
from services.clients.surveys.repository import SurveyRepository
from services.clients.surveys.rules import survey_period, surveyed_on_problem
from services.clients.surveys.schemas import SurveyCreate, SurveyQuery, SurveyUpdate
from shared.concurrency import check_if_match
from shared.errors import Conflict, Duplicate, NotFound, RecordClosed, UnprocessableContent

OwnerScope = Collection[int] | None


def _invalid(field: str, message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


def _duplicate(account_id: int, period: str) -> Conflict:
    return Duplicate(
        f"account {account_id} already has a satisfaction survey for {period}; change that one",
        extra={"reason": "duplicate_period"},
    )


class SurveyService:
    """Surveys of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        contacts: ContactRepository,
        repository: SurveyRepository,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
    ) -> None:
        self.accounts = accounts
        self.contacts = contacts
        self.repository = repository
        self.audit = audit
        self.today = today

    async def _account(
        self, account_id: int, owner_ids: OwnerScope, *, writable: bool = False
    ) -> Account:
        account = await self.accounts.visible(account_id, owner_ids)
        if writable and account.status == "archived":
            raise RecordClosed(
                f"account {account_id} is archived; restore it before changing it",
                extra={"reason": "account_archived"},
            )
        return account

    async def _check_respondent(self, account_id: int, contact_id: int | None) -> None:
        if contact_id is None:
            return
        if await self.contacts.get_link(account_id, contact_id) is None:
            raise _invalid(
                "respondent_contact_id",
                f"contact {contact_id} is not a contact of account {account_id}",
                "not_a_contact",
            )

    async def _save(self, survey: SatisfactionSurvey) -> SatisfactionSurvey:
        try:
            return await self.repository.add(survey)
        except IntegrityError as exc:  # a concurrent survey of the same period
            raise _duplicate(survey.account_id, survey.period) from exc

    async def create(
        self,
        account_id: int,
        data: SurveyCreate,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> SatisfactionSurvey:
        account = await self._account(account_id, owner_ids, writable=True)
        period = survey_period(data.period)
        surveyed_on = data.surveyed_on or self.today()
        problem = surveyed_on_problem(period, surveyed_on, self.today())
        if problem is not None:
            raise _invalid("surveyed_on", problem, "date_range")
        await self._check_respondent(account_id, data.respondent_contact_id)
        if await self.repository.for_period(account_id, str(period)) is not None:
            raise _duplicate(account_id, str(period))
        survey = await self._save(
            SatisfactionSurvey(
                account_id=account_id,
                period=str(period),
                score=data.score,
                surveyed_on=surveyed_on,
                respondent_contact_id=data.respondent_contact_id,
                channel=data.channel.value,
                comments=data.comments,
                owner_id=account.owner_id,
                created_by=actor_employee_id,
            )
        )
        assert survey.id is not None
        self.audit.record(
            entity=AuditEntity.SURVEY,
            entity_id=survey.id,
            account_id=account_id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(survey),
        )
        return survey

    async def get(self, survey_id: int, owner_ids: OwnerScope) -> SatisfactionSurvey:
        survey = await self.repository.get(survey_id, owner_ids=owner_ids)
        if survey is None:
            raise NotFound(f"satisfaction survey {survey_id} does not exist")
        return survey

    async def update(
        self,
        survey_id: int,
        data: SurveyUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> SatisfactionSurvey:
        survey = await self.repository.get(survey_id, owner_ids=owner_ids, for_update=True)
        if survey is None:
            raise NotFound(f"satisfaction survey {survey_id} does not exist")
        check_if_match(if_match, survey.version)
        await self._account(survey.account_id, None, writable=True)
        changes = data.model_dump(mode="json", exclude_unset=True)
        for field in ("score", "surveyed_on", "channel", "comments"):
            if field in changes and changes[field] is None:
                raise _invalid(field, f"{field} cannot be null", "null")
        if "score" in changes:
            changes["score"] = data.score
        if "surveyed_on" in changes:
            changes["surveyed_on"] = data.surveyed_on
            assert data.surveyed_on is not None
            problem = surveyed_on_problem(
                survey_period(survey.period), data.surveyed_on, self.today()
            )
            if problem is not None:
                raise _invalid("surveyed_on", problem, "date_range")
        if changes.get("respondent_contact_id") is not None:
            await self._check_respondent(survey.account_id, changes["respondent_contact_id"])
        before = snapshot(survey)
        for field, value in changes.items():
            setattr(survey, field, value)
        old, new = changed_fields(before, snapshot(survey))
        if not new:
            return survey
        survey.version += 1
        survey = await self._save(survey)
        assert survey.id is not None
        self.audit.record(
            entity=AuditEntity.SURVEY,
            entity_id=survey.id,
            account_id=survey.account_id,
            action="update",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        return survey

    async def list(
        self, filters: SurveyQuery, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> list[SatisfactionSurvey]:
        rows = await self.repository.list(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )
        return list(rows)

    async def for_account(
        self, account_id: int, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> builtins.list[SatisfactionSurvey]:
        """The account's surveys; 404 when the account is not in the caller's scope."""
        await self._account(account_id, owner_ids)
        return await self.list(
            SurveyQuery(account_id=account_id), owner_ids, after_id=after_id, limit=limit
        )

"""Visits (拜访 / 回访): plans, manual and ad-hoc visits, completion, cancellation, the
overdue list and plan completion per owner. Never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import date
from typing import Any

from sqlmodel import col

from services.clients.access import require_assignable
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.keyset import ListOrder
from services.clients.visits.models import Visit
from services.clients.visits.planner import VisitPlanner
from services.clients.visits.repository import VISIT_ORDERS, VisitRepository
from services.clients.visits.rules import VisitStatus, plan_completion_rate
from services.clients.visits.schemas import (
    CompletionReport,
    OwnerCompletion,
    VisitCancel,
    VisitComplete,
    VisitCreate,
    VisitPlanRead,
    VisitQuery,
    VisitRead,
    VisitSort,
    VisitSource,
    VisitUpdate,
)
from shared.concurrency import check_if_match
from shared.errors import InvalidTransition, NotFound, RecordClosed, UnprocessableContent
from shared.pagination import Page
from shared.periods import parse_period

OwnerScope = Collection[int] | None
OnVisitSettled = Callable[[Visit], Awaitable[None]]
"""Told of a planned visit just completed or cancelled, in the change's transaction."""


def field_error(loc: list[Any], message: str, kind: str) -> UnprocessableContent:
    """A 422 naming the field that is wrong."""
    return UnprocessableContent(
        f"{'.'.join(str(part) for part in loc[1:])}: {message}",
        extra={"errors": [{"loc": loc, "msg": message, "type": kind}]},
    )


def date_range_error(start_name: str, end_name: str, start: date, end: date) -> None:
    """422 when a range's end is before its start (filters of the lists)."""
    if end < start:
        raise field_error(
            ["query", end_name], f"{end} is before {start_name} {start}", "date_range"
        )


class VisitService:
    """Visits of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: VisitRepository,
        planner: VisitPlanner,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
        on_settled: OnVisitSettled | None = None,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.planner = planner
        self.audit = audit
        self.today = today
        self.on_settled = on_settled

    def read(self, visit: Visit) -> VisitRead:
        overdue = (
            visit.status == VisitStatus.PLANNED
            and visit.planned_on is not None
            and visit.planned_on < self.today()
        )
        return VisitRead.model_validate(visit).model_copy(update={"overdue": overdue})

    async def _account(
        self, account_id: int, owner_ids: OwnerScope, *, writable: bool = False
    ) -> Account:
        account = await self.accounts.visible(account_id, owner_ids)
        if writable and account.status == "archived":
            raise RecordClosed(
                f"account {account_id} is archived; restore it before changing its visits",
                extra={"reason": "account_archived"},
            )
        return account

    async def _visit(self, visit_id: int, owner_ids: OwnerScope) -> Visit:
        visit = await self.repository.get(visit_id, owner_ids=owner_ids, for_update=True)
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist")
        return visit

    async def _check_contacts(self, account_id: int, contact_ids: list[int], loc: str) -> None:
        linked = await self.repository.linked_contact_ids(account_id, contact_ids)
        errors = [
            {
                "loc": ["body", loc, index],
                "msg": f"contact {contact_id} is not a contact of account {account_id}",
                "type": "unknown_contact",
            }
            for index, contact_id in enumerate(contact_ids)
            if contact_id not in linked
        ]
        if errors:
            raise UnprocessableContent(
                f"{len(errors)} of the contacts are not contacts of account {account_id}",
                extra={"errors": errors},
            )

    def _not_before_today(self, day: date, loc: list[Any]) -> None:
        if day < self.today():
            raise field_error(loc, f"{day} is in the past", "date_in_past")

    def _not_after_today(self, day: date, loc: list[Any]) -> None:
        if day > self.today():
            raise field_error(loc, f"{day} is in the future", "date_in_future")

    def _audit(
        self,
        visit: Visit,
        action: str,
        actor_employee_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert visit.id is not None
        self.audit.record(
            entity=AuditEntity.VISIT,
            entity_id=visit.id,
            account_id=visit.account_id,
            action=action,
            actor_employee_id=actor_employee_id,
            before=before,
            after=after if after is not None else snapshot(visit),
        )

    async def _plan_read(self, account: Account, year: int, visits: list[Visit]) -> VisitPlanRead:
        assert account.id is not None
        counted = [v for v in visits if v.status != VisitStatus.CANCELLED]
        done = sum(1 for v in counted if v.status == VisitStatus.COMPLETED)
        frequency = self.planner.frequency_of(account.grade)
        return VisitPlanRead(
            account_id=account.id,
            year=year,
            grade=account.grade,
            frequency=frequency.name.lower() if frequency else "none",
            planned=len(counted),
            done=done,
            completion_rate=plan_completion_rate(len(counted), done),
            visits=[self.read(v) for v in visits],
        )

    async def generate_plan(
        self, account_id: int, year: int, owner_ids: OwnerScope, actor_employee_id: int | None
    ) -> VisitPlanRead:
        account = await self._account(account_id, owner_ids, writable=True)
        await self.planner.generate(account, year, actor_employee_id)
        return await self.plan(account_id, year, owner_ids)

    async def plan(self, account_id: int, year: int, owner_ids: OwnerScope) -> VisitPlanRead:
        account = await self._account(account_id, owner_ids)
        visits = await self.repository.plan_of(account_id, from_year=year, to_year=year)
        return await self._plan_read(account, year, list(visits))

    async def create(
        self,
        account_id: int,
        data: VisitCreate,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> VisitRead:
        """Plan one visit by hand, or record an ad-hoc completed visit (with, optionally,
        the next visit planned)."""
        account = await self._account(account_id, owner_ids, writable=True)
        await self._check_contacts(account_id, data.contact_ids, "contact_ids")
        if data.planned_on is not None:
            self._not_before_today(data.planned_on, ["body", "planned_on"])
            visit = Visit(
                account_id=account_id,
                owner_id=account.owner_id,
                planned_on=data.planned_on,
                status=VisitStatus.PLANNED.value,
                source=VisitSource.MANUAL.value,
                contact_ids=data.contact_ids,
                purpose=data.purpose,
                next_step=data.next_step,
            )
        else:
            assert data.visited_on is not None
            self._not_after_today(data.visited_on, ["body", "visited_on"])
            if data.visited_by is not None:
                require_assignable(owner_ids, data.visited_by, "visited_by")
            visited_by = data.visited_by or actor_employee_id
            if visited_by is None:
                raise field_error(["body", "visited_by"], "say who visited", "missing_visited_by")
            if data.next_visit_on is not None:
                self._not_before_today(data.next_visit_on, ["body", "next_visit_on"])
            visit = Visit(
                account_id=account_id,
                owner_id=account.owner_id,
                planned_on=None,
                status=VisitStatus.COMPLETED.value,
                source=VisitSource.ADHOC.value,
                visited_on=data.visited_on,
                visited_by=visited_by,
                contact_ids=data.contact_ids,
                purpose=data.purpose,
                outcome=data.outcome,
                next_step=data.next_step,
                next_visit_on=data.next_visit_on,
            )
        visit = await self.repository.add(visit)
        self._audit(visit, "create", actor_employee_id)
        if data.next_visit_on is not None:
            await self._plan_next(account, visit, data.next_visit_on, actor_employee_id)
        if self.on_settled is not None:
            await self.on_settled(visit)
        return self.read(visit)

    async def _plan_next(
        self, account: Account, visit: Visit, day: date, actor_employee_id: int | None
    ) -> Visit:
        assert account.id is not None
        following = await self.repository.add(
            Visit(
                account_id=account.id,
                owner_id=account.owner_id,
                planned_on=day,
                status=VisitStatus.PLANNED.value,
                source=VisitSource.MANUAL.value,
                purpose=visit.next_step,
            )
        )
        self._audit(following, "create", actor_employee_id)
        return following

    async def get(self, visit_id: int, owner_ids: OwnerScope) -> VisitRead:
        visit = await self.repository.get(visit_id, owner_ids=owner_ids)
        if visit is None:
            raise NotFound(f"visit {visit_id} does not exist")
        return self.read(visit)

    async def update(
        self,
        visit_id: int,
        data: VisitUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> VisitRead:
        visit = await self._visit(visit_id, owner_ids)
        check_if_match(if_match, visit.version)
        await self._account(visit.account_id, owner_ids, writable=True)
        if visit.status == VisitStatus.CANCELLED:
            raise RecordClosed(f"visit {visit_id} is cancelled; plan a new one instead")
        changes = data.model_dump(exclude_unset=True)
        if "planned_on" in changes:
            if visit.status != VisitStatus.PLANNED or visit.planned_on is None:
                raise InvalidTransition(
                    f"visit {visit_id} is {visit.status}; only a planned visit moves"
                )
            if changes["planned_on"] != visit.planned_on:
                self._not_before_today(changes["planned_on"], ["body", "planned_on"])
        if "outcome" in changes and visit.status != VisitStatus.COMPLETED and changes["outcome"]:
            raise InvalidTransition(
                f"visit {visit_id} is planned; record its outcome by completing it"
            )
        if "contact_ids" in changes:
            await self._check_contacts(visit.account_id, changes["contact_ids"], "contact_ids")
        before = snapshot(visit)
        for field, value in changes.items():
            setattr(visit, field, value)
        old, new = changed_fields(before, snapshot(visit))
        if not new:
            return self.read(visit)
        visit.version += 1
        visit = await self.repository.add(visit)
        self._audit(visit, "update", actor_employee_id, before=old, after=new)
        return self.read(visit)

    async def complete(
        self,
        visit_id: int,
        data: VisitComplete,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> VisitRead:
        visit = await self._visit(visit_id, owner_ids)
        check_if_match(if_match, visit.version)
        account = await self._account(visit.account_id, owner_ids, writable=True)
        if visit.status != VisitStatus.PLANNED:
            raise InvalidTransition(
                f"visit {visit_id} is {visit.status}; only a planned visit can be completed",
                extra={"reason": "not_planned"},
            )
        visited_on = data.visited_on or self.today()
        self._not_after_today(visited_on, ["body", "visited_on"])
        if data.next_visit_on is not None:
            if data.next_visit_on <= visited_on:
                raise field_error(
                    ["body", "next_visit_on"],
                    f"{data.next_visit_on} is not after visited_on {visited_on}",
                    "date_range",
                )
            self._not_before_today(data.next_visit_on, ["body", "next_visit_on"])
        if data.visited_by is not None:
            require_assignable(owner_ids, data.visited_by, "visited_by")
        visited_by = data.visited_by or actor_employee_id
        if visited_by is None:
            raise field_error(["body", "visited_by"], "say who visited", "missing_visited_by")
        await self._check_contacts(visit.account_id, data.contact_ids, "contact_ids")
        before = snapshot(visit)
        visit.status = VisitStatus.COMPLETED.value
        visit.visited_on = visited_on
        visit.visited_by = visited_by
        visit.contact_ids = data.contact_ids
        visit.outcome = data.outcome
        visit.next_step = data.next_step
        visit.next_visit_on = data.next_visit_on
        visit.version += 1
        visit = await self.repository.add(visit)
        old, new = changed_fields(before, snapshot(visit))
        self._audit(visit, "complete", actor_employee_id, before=old, after=new)
        if data.next_visit_on is not None:
            await self._plan_next(account, visit, data.next_visit_on, actor_employee_id)
        if self.on_settled is not None:
            await self.on_settled(visit)
        return self.read(visit)

    async def cancel(
        self,
        visit_id: int,
        data: VisitCancel,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> VisitRead:
        visit = await self._visit(visit_id, owner_ids)
        check_if_match(if_match, visit.version)
        await self._account(visit.account_id, owner_ids, writable=True)
        if visit.status != VisitStatus.PLANNED:
            raise InvalidTransition(
                f"visit {visit_id} is {visit.status}; only a planned visit can be cancelled",
                extra={"reason": "not_planned"},
            )
        visit.status = VisitStatus.CANCELLED.value
        visit.cancel_reason = data.reason
        visit.version += 1
        visit = await self.repository.add(visit)
        self._audit(
            visit,
            "cancel",
            actor_employee_id,
            before={"status": VisitStatus.PLANNED.value},
            after={"status": visit.status, "cancel_reason": data.reason},
        )
        if self.on_settled is not None:
            await self.on_settled(visit)
        return self.read(visit)

    def check_filters(self, filters: VisitQuery) -> None:
        if filters.planned_from and filters.planned_to:
            date_range_error("planned_from", "planned_to", filters.planned_from, filters.planned_to)

    async def search(
        self, filters: VisitQuery, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> list[VisitRead]:
        """In id order after ``after_id`` (the export walks the list this way)."""
        after = col(Visit.id) > after_id if after_id is not None else None
        rows = await self._rows(filters, owner_ids, VISIT_ORDERS[VisitSort.ID], after, limit)
        return [read for read, _ in rows]

    async def page(
        self,
        filters: VisitQuery,
        owner_ids: OwnerScope,
        *,
        sort: VisitSort,
        cursor: str | None,
        limit: int,
        with_total: bool,
    ) -> Page[VisitRead]:
        """One page in ``sort`` order with names; ``total`` counts the same filters."""
        order = VISIT_ORDERS[sort]
        rows = await self._rows(
            filters, owner_ids, order, order.after(col(Visit.id), cursor), limit
        )
        next_cursor = None
        if rows and len(rows) == limit:
            last, value = rows[-1]
            next_cursor = order.cursor(value, last.id)
        total = None
        if with_total:
            total = await self.repository.count(filters, owner_ids=owner_ids, today=self.today())
        return Page[VisitRead](
            items=[read for read, _ in rows], next_cursor=next_cursor, total=total
        )

    async def _rows(
        self,
        filters: VisitQuery,
        owner_ids: OwnerScope,
        order: ListOrder,
        after: Any,
        limit: int,
    ) -> list[tuple[VisitRead, Any]]:
        self.check_filters(filters)
        rows = await self.repository.search(
            filters, owner_ids=owner_ids, today=self.today(), order=order, after=after, limit=limit
        )
        reads = []
        for visit, sort_value, account_name, owner_name in rows:
            read = self.read(visit).model_copy(
                update={"account_name": account_name, "owner_name": owner_name}
            )
            reads.append((read, sort_value))
        return reads

    async def list_for_account(
        self,
        account_id: int,
        filters: VisitQuery,
        owner_ids: OwnerScope,
        *,
        sort: VisitSort,
        cursor: str | None,
        limit: int,
        with_total: bool,
    ) -> Page[VisitRead]:
        await self._account(account_id, owner_ids)
        return await self.page(
            filters.model_copy(update={"account_id": account_id}),
            owner_ids,
            sort=sort,
            cursor=cursor,
            limit=limit,
            with_total=with_total,
        )

    async def completion(
        self,
        period_text: str,
        owner_ids: OwnerScope,
        *,
        owner_filter: list[int] | None,
        team_of: int | None,
    ) -> CompletionReport:
        """Per owner: visits planned in the period (not cancelled), how many of them were
        completed, and the rate (``rules.plan_completion_rate``)."""
        try:
            period = parse_period(period_text)
        except (TypeError, ValueError) as exc:
            raise field_error(["query", "period"], str(exc), "period") from None
        start, end = period.start_date, period.end_date
        rows = await self.repository.completion(
            start, end, owner_ids=owner_ids, owner_filter=owner_filter, team_of=team_of
        )
        counts = {owner: (planned, done) for owner, planned, done in rows}
        for owner in owner_filter or []:
            counts.setdefault(owner, (0, 0))
        return CompletionReport(
            period=str(period),
            start=start,
            end=end,
            owners=[
                OwnerCompletion(
                    owner_id=owner,
                    planned=planned,
                    done=done,
                    rate=plan_completion_rate(planned, done),
                )
                for owner, (planned, done) in sorted(counts.items())
            ],
        )

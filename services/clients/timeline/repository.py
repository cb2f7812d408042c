"""The timeline's one query: a UNION ALL over one SELECT per source (a kind of record under
the account), each cut below the cursor and limited to the page size on its own index, so
a page reads at most ``limit`` rows per source whatever the account's history holds.

A new kind is one entry of :data:`SOURCES` (and its code in ``TimelineKind``/``TimelineEvent``
with labels): the table, the instant, the row id and the few columns every entry has.
The scope is checked before (the account is visible); everything here is under it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    case,
    cast,
    collate,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.attachments.models import Attachment
from services.clients.audit.models import AuditEntry
from services.clients.contacts.models import AccountContact, Contact
from services.clients.contracts.models import Contract
from services.clients.credit.models import CreditAdjustment
from services.clients.duplicates.models import AccountMerge
from services.clients.grading.models import GradeChange
from services.clients.notes.models import Note
from services.clients.opportunities.models import (
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)
from services.clients.ownership.models import OwnershipChange
from services.clients.receivables.models import Invoice, Payment
from services.clients.teams.models import AccountTeamMember
from services.clients.teams.rules import TeamAccess
from services.clients.tickets.models import Ticket
from services.clients.timeline.rules import Bound, Position, bound_for
from services.clients.timeline.schemas import TimelineKind
from services.clients.visits.models import Visit

CONTACT_ENTITIES = ("contact", "account_contact")
"""The audit entities whose entries are the account's contact changes."""


def _t(model: Any) -> Any:
    """The Core table of a model (typed loosely: its columns are looked up by name)."""
    return model.__table__


def _money(column: Any) -> ColumnElement[Any]:
    return cast(column, Text)  # an exact decimal in JSON: text, as the money fields are


def _text(value: Any) -> ColumnElement[Any]:
    return cast(value, Text)


def _no_one() -> ColumnElement[Any]:
    return cast(null(), Integer)


@dataclass(frozen=True)
class TimelineSource:
    """One kind of entry: where its rows are and how they read as entries.

    ``occurred_at`` and ``id`` are the source's keyset (its index starts with the account
    column, then these two); the other expressions are the entry's columns. ``link`` is
    the record's API path, formatted with ``record_id`` and ``account_id``.

    ``of_account`` gives the conditions of the account's rows: one, or several
    alternatives (a row matches one of them) that are each read on an index of their own
    rather than OR-ed. ``narrow_first``: the source is not read in index order (a join, or
    alternatives), so its page is chosen on (occurred_at, id) alone and only those rows
    are then built into entries (the JSON of every matching row would be built otherwise).
    """

    kind: TimelineKind
    link: str
    from_: Any
    of_account: Callable[[int], list[ColumnElement[bool]]]
    occurred_at: Any
    id: Any
    event: Any
    record_id: Any
    actor: Any
    headline: Any
    summary: Any
    narrow_first: bool = False

    def rows(
        self,
        account_id: int,
        *,
        after: Position | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> Select[Any]:
        """This source's first ``limit`` entries below ``after``, newest first."""
        cut: list[ColumnElement[bool]] = []
        if since is not None:
            cut.append(self.occurred_at >= since)
        if until is not None:
            cut.append(self.occurred_at < until)
        if after is not None:
            cut.append(self._below(after))
        alternatives = self.of_account(account_id)
        query = select(
            self.occurred_at.label("occurred_at"),
            cast(literal(self.kind.value), Text).label("kind"),
            self.id.label("id"),
            _text(self.event).label("event"),
            cast(self.record_id, Integer).label("record_id"),
            cast(self.actor, Integer).label("actor_employee_id"),
            _text(self.headline).label("headline"),
            self.summary.label("summary"),
        ).select_from(self.from_)
        if self.narrow_first:
            pages = [
                select(self.id.label("key"))
                .select_from(self.from_)
                .where(condition, *cut)
                .order_by(self.occurred_at.desc(), self.id.desc())
                .limit(limit)
                for condition in alternatives
            ]
            # each alternative's page as a subquery: ORDER BY and LIMIT stay its own
            keys = union_all(*(select(page.subquery().c.key) for page in pages))
            query = query.where(self.id.in_(keys))
        else:
            query = query.where(or_(*alternatives), *cut)
        return query.order_by(self.occurred_at.desc(), self.id.desc()).limit(limit)

    def _below(self, after: Position) -> ColumnElement[bool]:
        bound = bound_for(self.kind.value, after)
        if bound is Bound.AT_OR_BEFORE:
            return self.occurred_at <= after.occurred_at  # type: ignore[no-any-return]
        if bound is Bound.BEFORE_BY_ID:
            return tuple_(self.occurred_at, self.id) < (after.occurred_at, after.id)
        return self.occurred_at < after.occurred_at  # type: ignore[no-any-return]


def _of(column: Any) -> Callable[[int], list[ColumnElement[bool]]]:
    """The account's rows of a table with an ``account_id`` column."""
    return lambda account_id: [column == account_id]


def _visits() -> TimelineSource:
    v = _t(Visit)
    return TimelineSource(
        kind=TimelineKind.VISIT,
        link="/v1/clients/visits/{record_id}",
        from_=v,
        of_account=_of(v.c.account_id),
        occurred_at=v.c.created_at,
        id=v.c.id,
        event=literal("visit_") + v.c.status,
        record_id=v.c.id,
        actor=v.c.visited_by,
        headline=func.nullif(func.left(v.c.purpose, 80), ""),
        summary=func.jsonb_build_object(
            "status", v.c.status, "planned_on", v.c.planned_on, "visited_on", v.c.visited_on,
            "outcome", func.left(v.c.outcome, 200), "next_step", func.left(v.c.next_step, 200),
            "contact_ids", v.c.contact_ids,
        ),
    )  # fmt: skip


def _contact_changes() -> TimelineSource:
    a, links, contacts = _t(AuditEntry), _t(AccountContact), _t(Contact)

    def of_account(account_id: int) -> list[ColumnElement[bool]]:
        # A contact's own changes are logged without an account (a contact may serve
        # several); they belong to every account it is linked to. Two alternatives, each on
        # its index: the account's entries, and its contacts' own.
        linked = select(cast(links.c.contact_id, Text)).where(links.c.account_id == account_id)
        return [
            and_(a.c.account_id == account_id, a.c.entity.in_(CONTACT_ENTITIES)),
            and_(a.c.account_id.is_(None), a.c.entity == "contact", a.c.entity_id.in_(linked)),
        ]

    contact_id = cast(a.c.entity_id, Integer)
    return TimelineSource(
        kind=TimelineKind.CONTACT_CHANGE,
        link="/v1/clients/contacts/{record_id}",
        from_=a,
        of_account=of_account,
        occurred_at=a.c.occurred_at,
        id=a.c.id,
        event=case(
            (and_(a.c.entity == "contact", a.c.action == "create"), "contact_added"),
            (and_(a.c.entity == "account_contact", a.c.action == "link"), "contact_linked"),
            (a.c.entity == "contact", "contact_updated"),
            else_="contact_role_changed",
        ),
        record_id=contact_id,
        actor=a.c.actor_employee_id,
        headline=select(contacts.c.name).where(contacts.c.id == contact_id).scalar_subquery(),
        summary=func.jsonb_build_object("contact_id", contact_id, "changes", a.c.after),
        narrow_first=True,
    )


def _tickets() -> TimelineSource:
    t = _t(Ticket)
    return TimelineSource(
        kind=TimelineKind.TICKET,
        link="/v1/clients/tickets/{record_id}",
        from_=t,
        of_account=_of(t.c.account_id),
        occurred_at=t.c.opened_at,
        id=t.c.id,
        event=literal("ticket_opened"),
        record_id=t.c.id,
        actor=_no_one(),
        headline=t.c.title,
        summary=func.jsonb_build_object(
            "kind", t.c.kind, "severity", t.c.severity, "channel", t.c.channel,
            "status", t.c.status, "category", t.c.category, "resolved_at", t.c.resolved_at,
        ),
    )  # fmt: skip


def _contracts() -> TimelineSource:
    k = _t(Contract)
    return TimelineSource(
        kind=TimelineKind.CONTRACT,
        link="/v1/clients/contracts/{record_id}",
        from_=k,
        of_account=_of(k.c.account_id),
        occurred_at=k.c.created_at,
        id=k.c.id,
        event=literal("contract_created"),
        record_id=k.c.id,
        actor=_no_one(),
        headline=k.c.title,
        summary=func.jsonb_build_object(
            "number", k.c.number, "status", k.c.status, "amount", _money(k.c.amount),
            "currency", k.c.currency, "signed_on", k.c.signed_on,
            "start_date", k.c.start_date, "end_date", k.c.end_date,
        ),
    )  # fmt: skip


def _opportunities() -> TimelineSource:
    s, o, p = _t(OpportunityStageChange), _t(Opportunity), _t(PipelineStage)
    return TimelineSource(
        kind=TimelineKind.OPPORTUNITY,
        link="/v1/clients/opportunities/{record_id}",
        from_=s.join(o, o.c.id == s.c.opportunity_id).join(p, p.c.code == s.c.to_stage_code),
        of_account=_of(o.c.account_id),
        occurred_at=s.c.changed_at,
        id=s.c.id,
        event=case(
            (s.c.from_stage_code.is_(None), "opportunity_created"),
            (p.c.outcome == "won", "opportunity_won"),
            (p.c.outcome == "lost", "opportunity_lost"),
            else_="opportunity_stage_moved",
        ),
        record_id=o.c.id,
        actor=s.c.actor_employee_id,
        headline=o.c.name,
        summary=func.jsonb_build_object(
            "from_stage", s.c.from_stage_code, "to_stage", s.c.to_stage_code,
            "probability", s.c.probability, "note", s.c.note,
            "amount", _money(o.c.amount), "currency", o.c.currency,
        ),
        narrow_first=True,
    )  # fmt: skip


def _invoices() -> TimelineSource:
    i = _t(Invoice)
    return TimelineSource(
        kind=TimelineKind.INVOICE,
        link="/v1/clients/invoices/{record_id}",
        from_=i,
        of_account=_of(i.c.account_id),
        occurred_at=i.c.created_at,
        id=i.c.id,
        event=literal("invoice_issued"),
        record_id=i.c.id,
        actor=_no_one(),
        headline=i.c.erp_document_no,
        summary=func.jsonb_build_object(
            "amount", _money(i.c.amount), "currency", i.c.currency,
            "issue_date", i.c.issue_date, "status", i.c.status,
        ),
    )  # fmt: skip


def _payments() -> TimelineSource:
    m = _t(Payment)
    return TimelineSource(
        kind=TimelineKind.PAYMENT,
        link="/v1/clients/payments?account_id={account_id}",
        from_=m,
        of_account=_of(m.c.account_id),
        occurred_at=m.c.created_at,
        id=m.c.id,
        event=literal("payment_received"),
        record_id=m.c.id,
        actor=m.c.created_by,
        headline=m.c.erp_ref,
        summary=func.jsonb_build_object(
            "amount", _money(m.c.amount), "currency", m.c.currency,
            "received_on", m.c.received_on, "status", m.c.status, "source", m.c.source,
        ),
    )  # fmt: skip


def _grade_changes() -> TimelineSource:
    g = _t(GradeChange)
    return TimelineSource(
        kind=TimelineKind.GRADE_CHANGE,
        link="/v1/clients/accounts/{account_id}/grade-history",
        from_=g,
        of_account=_of(g.c.account_id),
        occurred_at=g.c.changed_at,
        id=g.c.id,
        event=literal("grade_changed"),
        record_id=g.c.id,
        actor=g.c.actor_employee_id,
        headline=func.concat(func.coalesce(g.c.previous_grade, "–"), " → ", g.c.grade),
        summary=func.jsonb_build_object(
            "previous_grade", g.c.previous_grade, "grade", g.c.grade, "source", g.c.source,
            "reason", g.c.reason,
        ),
    )  # fmt: skip


def _credit_changes() -> TimelineSource:
    c = _t(CreditAdjustment)
    return TimelineSource(
        kind=TimelineKind.CREDIT_CHANGE,
        link="/v1/clients/accounts/{account_id}/credit-adjustments",
        from_=c,
        of_account=_of(c.c.account_id),
        occurred_at=c.c.created_at,
        id=c.c.id,
        event=literal("credit_adjusted"),
        record_id=c.c.id,
        actor=c.c.actor_employee_id,
        headline=func.concat(c.c.score_before, " → ", c.c.score_after),
        summary=func.jsonb_build_object(
            "delta", c.c.delta, "score_before", c.c.score_before,
            "score_after", c.c.score_after, "reason", c.c.reason,
        ),
    )  # fmt: skip


def _ownership_changes() -> TimelineSource:
    h = _t(OwnershipChange)
    return TimelineSource(
        kind=TimelineKind.OWNERSHIP_CHANGE,
        link="/v1/clients/accounts/{account_id}/ownership-history",
        from_=h,
        of_account=_of(h.c.account_id),
        occurred_at=h.c.changed_at,
        id=h.c.id,
        # a dispute decided for the owner records him as both (ownership.record_kept)
        event=case(
            (h.c.from_employee_id == h.c.to_employee_id, "owner_kept"), else_="owner_changed"
        ),
        record_id=h.c.id,
        actor=h.c.actor_employee_id,
        headline=null(),
        summary=func.jsonb_build_object(
            "from_employee_id", h.c.from_employee_id, "to_employee_id", h.c.to_employee_id,
            "reason", h.c.reason,
        ),
    )  # fmt: skip


def _notes() -> TimelineSource:
    n = _t(Note)
    return TimelineSource(
        kind=TimelineKind.NOTE,
        link="/v1/clients/notes/{record_id}",
        from_=n,
        of_account=_of(n.c.account_id),
        occurred_at=n.c.created_at,
        id=n.c.id,
        event=literal("note_added"),
        record_id=n.c.id,
        actor=n.c.author_id,
        headline=func.left(n.c.body, 60),
        summary=func.jsonb_build_object(
            "body", func.left(n.c.body, 200), "edited", n.c.version > 1
        ),
    )


def _attachments() -> TimelineSource:
    """Files attached to the account or a record under it; a deleted one is not shown (it
    is missing everywhere else too, and its link would answer 404)."""
    f = _t(Attachment)
    return TimelineSource(
        kind=TimelineKind.ATTACHMENT,
        link="/v1/clients/attachments/{record_id}",
        from_=f,
        of_account=lambda account_id: [
            and_(f.c.account_id == account_id, f.c.deleted_at.is_(None))
        ],
        occurred_at=f.c.created_at,
        id=f.c.id,
        event=literal("attachment_added"),
        record_id=f.c.id,
        actor=f.c.uploaded_by,
        headline=f.c.file_name,
        summary=func.jsonb_build_object(
            "file_name", f.c.file_name, "owner_kind", f.c.owner_kind, "owner_id", f.c.owner_id,
            "content_type", f.c.content_type, "size_bytes", f.c.size_bytes,
        ),
    )  # fmt: skip


def _account_merges() -> TimelineSource:
    """Duplicates merged into the account (on the survivor's timeline; the loser's own
    records moved with it and show under their own kinds). An undone merge stays, with
    ``undone_at`` in its summary."""
    m = _t(AccountMerge)
    return TimelineSource(
        kind=TimelineKind.ACCOUNT_MERGE,
        link="/v1/clients/account-merges/{record_id}",
        from_=m,
        of_account=_of(m.c.survivor_id),
        occurred_at=m.c.merged_at,
        id=m.c.id,
        event=literal("account_merged"),
        record_id=m.c.id,
        actor=m.c.actor_employee_id,
        headline=m.c.loser_row["legal_name"].astext,
        summary=func.jsonb_build_object(
            "loser_id", m.c.loser_id, "loser_legal_name", m.c.loser_row["legal_name"].astext,
            "reason", func.left(m.c.reason, 200), "undone_at", m.c.undone_at,
        ),
    )  # fmt: skip


SOURCES: dict[TimelineKind, TimelineSource] = {
    source.kind: source
    for source in (
        _visits(),
        _contact_changes(),
        _tickets(),
        _contracts(),
        _opportunities(),
        _invoices(),
        _payments(),
        _grade_changes(),
        _credit_changes(),
        _ownership_changes(),
        _notes(),
        _attachments(),
        _account_merges(),
    )
}


@dataclass(frozen=True)
class TimelineRow:
    """One entry as the query reads it (the service adds the title, link and masking)."""

    occurred_at: datetime
    kind: str
    id: int
    event: str
    record_id: int
    actor_employee_id: int | None
    headline: str | None
    summary: dict[str, Any]


class TimelineRepository:
    """The timeline query, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        account_id: int,
        *,
        kinds: Collection[TimelineKind],
        after: Position | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> Sequence[TimelineRow]:
        """The account's entries of ``kinds`` after the cursor, newest first: the union of
        each source's first ``limit`` rows, ordered and cut again."""
        branches = [
            select(
                SOURCES[kind]
                .rows(account_id, after=after, since=since, until=until, limit=limit)
                .subquery()
            )
            for kind in SOURCES
            if kind in kinds
        ]
        if not branches:
            return []
        entries = union_all(*branches).subquery("entries")
        query = (
            select(entries)
            .order_by(
                entries.c.occurred_at.desc(),
                collate(entries.c.kind, "C").desc(),
                entries.c.id.desc(),
            )
            .limit(limit)
        )
        # Core rows, not models: through the session's connection (its transaction).
        result = await (await self.session.connection()).execute(query)
        return [TimelineRow(**row._mapping) for row in result]

    async def contact_owners(self, contact_ids: Collection[int]) -> dict[int, set[int]]:
        """The owners of the accounts each contact is linked to (one query for a page)."""
        links, accounts = _t(AccountContact), _t(Account)
        query = (
            select(links.c.contact_id, accounts.c.owner_id)
            .join(accounts, accounts.c.id == links.c.account_id)
            .where(links.c.contact_id.in_(list(contact_ids)))
        )
        owners: dict[int, set[int]] = {contact_id: set() for contact_id in contact_ids}
        for contact_id, owner_id in await (await self.session.connection()).execute(query):
            owners[contact_id].add(owner_id)
        return owners

    async def contacts_worked_by(
        self, employee_id: int | None, contact_ids: Collection[int]
    ) -> set[int]:
        """The contacts linked to an account whose team ``employee_id`` works on."""
        if employee_id is None:
            return set()
        links, team = _t(AccountContact), _t(AccountTeamMember)
        query = (
            select(links.c.contact_id)
            .join(team, team.c.account_id == links.c.account_id)
            .where(
                links.c.contact_id.in_(list(contact_ids)),
                team.c.employee_id == employee_id,
                team.c.access == TeamAccess.WORK.value,
            )
        )
        return set((await (await self.session.connection()).execute(query)).scalars())

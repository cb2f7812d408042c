"""The competitor register (竞争对手名录): who the department competes with. Everyone in
the department reads it; administrators and the department manager keep it. Never
commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.competitors.models import Competitor
from services.clients.competitors.register_repository import CompetitorRepository
from services.clients.competitors.register_schemas import (
    CompetitorCreate,
    CompetitorRead,
    CompetitorUpdate,
)
from shared.concurrency import check_if_match
from shared.errors import Duplicate, NotFound, UnprocessableContent


def competitor_missing(competitor_id: int) -> NotFound:
    return NotFound(f"competitor {competitor_id} does not exist")


def _duplicate_name(name: str) -> Duplicate:
    return Duplicate(f"competitor {name} is already registered", extra={"reason": "duplicate_name"})


class CompetitorRegister:
    def __init__(self, repository: CompetitorRepository, audit: AuditTrail) -> None:
        self.repository = repository
        self.audit = audit

    @staticmethod
    def read(competitor: Competitor) -> CompetitorRead:
        return CompetitorRead.model_validate(competitor, from_attributes=True)

    async def get(self, competitor_id: int) -> Competitor:
        competitor = await self.repository.get(competitor_id)
        if competitor is None:
            raise competitor_missing(competitor_id)
        return competitor

    async def list(
        self, *, active: bool | None, text: str | None, after_id: int | None, limit: int
    ) -> Sequence[Competitor]:
        return await self.repository.list(active=active, text=text, after_id=after_id, limit=limit)

    async def _save(self, competitor: Competitor) -> Competitor:
        try:
            async with self.repository.session.begin_nested():
                return await self.repository.add(competitor)
        except IntegrityError as exc:  # a concurrent create took the name
            raise _duplicate_name(competitor.name) from exc

    def _audit(
        self,
        competitor: Competitor,
        action: str,
        actor: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert competitor.id is not None
        self.audit.record(
            entity=AuditEntity.COMPETITOR,
            entity_id=competitor.id,
            account_id=None,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=snapshot(competitor) if after is None else after,
        )

    async def create(self, data: CompetitorCreate, actor: int | None) -> Competitor:
        if await self.repository.get_by_name(data.name) is not None:
            raise _duplicate_name(data.name)
        competitor = await self._save(Competitor(**data.model_dump()))
        self._audit(competitor, "create", actor)
        return competitor

    async def update(
        self, competitor_id: int, data: CompetitorUpdate, if_match: str | None, actor: int | None
    ) -> Competitor:
        competitor = await self.repository.get(competitor_id, for_update=True)
        if competitor is None:
            raise competitor_missing(competitor_id)
        check_if_match(if_match, competitor.version)
        changes = data.model_dump(exclude_unset=True)
        for field in ("name", "active"):
            if field in changes and changes[field] is None:
                raise UnprocessableContent(
                    f"{field} cannot be null",
                    extra={"errors": [{"loc": ["body", field], "msg": "null", "type": "null"}]},
                )
        if "name" in changes:
            holder = await self.repository.get_by_name(changes["name"])
            if holder is not None and holder.id != competitor_id:
                raise _duplicate_name(changes["name"])
        before = snapshot(competitor)
        for field, value in changes.items():
            setattr(competitor, field, value)
        old, new = changed_fields(before, snapshot(competitor))
        if not new:
            return competitor
        competitor.version += 1
        competitor = await self._save(competitor)
        self._audit(competitor, "update", actor, old, new)
        return competitor

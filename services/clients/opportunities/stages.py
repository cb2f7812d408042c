"""The pipeline's stages (销售阶段), configured by administrators: open stages may be added,
renamed, reordered, re-weighted and retired; the won and lost stages exist once each and
keep their outcome. Never commits."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.opportunities.models import PipelineStage
from services.clients.opportunities.repository import StageRepository
from services.clients.opportunities.rules import Outcome
from services.clients.opportunities.schemas import StageCreate, StageRead, StageUpdate
from shared.concurrency import check_if_match
from shared.errors import (
    Duplicate,
    InvalidTransition,
    NotFound,
    UnmetPrerequisite,
    UnprocessableContent,
)


def stage_missing(code: str) -> NotFound:
    return NotFound(f"stage {code} does not exist")


def _position_taken(position: int) -> Duplicate:
    return Duplicate(
        f"another stage is at position {position}", extra={"reason": "duplicate_position"}
    )


class PipelineService:
    def __init__(self, repository: StageRepository, audit: AuditTrail) -> None:
        self.repository = repository
        self.audit = audit

    @staticmethod
    def read(stage: PipelineStage) -> StageRead:
        return StageRead.model_validate(stage, from_attributes=True)

    async def all(self) -> builtins.list[PipelineStage]:
        return await self.repository.all()

    async def get(self, code: str) -> PipelineStage:
        stage = await self.repository.get(code)
        if stage is None:
            raise stage_missing(code)
        return stage

    def _audit(
        self,
        code: str,
        action: str,
        actor: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        self.audit.record(
            entity=AuditEntity.PIPELINE_STAGE,
            entity_id=code,
            account_id=None,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=after,
        )

    async def _save(self, stage: PipelineStage) -> PipelineStage:
        try:
            async with self.repository.session.begin_nested():
                return await self.repository.add(stage)
        except IntegrityError as exc:  # a concurrent write took the code or the position
            raise Duplicate(
                f"stage {stage.code} or position {stage.position} is already taken",
                extra={"reason": "duplicate_stage"},
            ) from exc

    async def create(self, data: StageCreate, actor: int | None) -> PipelineStage:
        if await self.repository.get(data.code) is not None:
            raise Duplicate(f"stage {data.code} already exists", extra={"reason": "duplicate_code"})
        if await self.repository.at_position(data.position) is not None:
            raise _position_taken(data.position)
        stage = await self._save(PipelineStage(**data.model_dump(), outcome=Outcome.OPEN.value))
        self._audit(stage.code, "create", actor, None, snapshot(stage))
        return stage

    async def update(
        self, code: str, data: StageUpdate, if_match: str | None, actor: int | None
    ) -> PipelineStage:
        stage = await self.repository.get(code, for_update=True)
        if stage is None:
            raise stage_missing(code)
        check_if_match(if_match, stage.version)
        changes = data.model_dump(exclude_unset=True)
        for field, value in changes.items():
            if value is None:
                raise UnprocessableContent(
                    f"{field} cannot be null",
                    extra={"errors": [{"loc": ["body", field], "msg": "null", "type": "null"}]},
                )
        if changes.get("active") is False and stage.active:
            if stage.outcome != Outcome.OPEN:
                raise InvalidTransition(
                    f"stage {code} is the {stage.outcome} stage; it cannot be retired",
                    extra={"reason": "closing_stage"},
                )
            in_it = await self.repository.open_opportunities_in(code)
            if in_it:
                raise UnmetPrerequisite(
                    f"{in_it} open opportunities are in stage {code}; move them first",
                    extra={"reason": "stage_in_use", "open_opportunities": in_it},
                )
        position = changes.get("position")
        if position is not None and position != stage.position:
            holder = await self.repository.at_position(position)
            if holder is not None:
                raise _position_taken(position)
        before = snapshot(stage)
        for field, value in changes.items():
            setattr(stage, field, value)
        old, new = changed_fields(before, snapshot(stage))
        if not new:
            return stage
        stage.version += 1
        stage = await self._save(stage)
        self._audit(code, "update", actor, old, new)
        return stage

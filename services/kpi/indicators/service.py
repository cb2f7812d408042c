"""Rules of the indicator library. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from services.kpi.indicators.models import Indicator
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.rules import Direction
from services.kpi.indicators.schemas import IndicatorCreate, IndicatorUpdate, canonical_rule
from shared.concurrency import check_if_match
from shared.errors import Duplicate, NotFound, UnprocessableContent


class IndicatorService:
    """Create, read, change and list indicators."""

    def __init__(self, repository: IndicatorRepository) -> None:
        self.repository = repository

    async def get(self, indicator_id: int, *, for_update: bool = False) -> Indicator:
        indicator = await self.repository.get(indicator_id, for_update=for_update)
        if indicator is None:
            raise NotFound(f"indicator {indicator_id} does not exist")
        return indicator

    async def list(
        self,
        *,
        kind: str | None,
        after_id: int | None,
        limit: int,
        direction: str | None = None,
        metric: str | None = None,
    ) -> Sequence[Indicator]:
        return await self.repository.list(
            kind=kind, direction=direction, metric=metric, after_id=after_id, limit=limit
        )

    async def create(self, data: IndicatorCreate) -> Indicator:
        if await self.repository.get_by_code(data.code) is not None:
            raise Duplicate(f"an indicator with code {data.code} already exists")
        try:
            return await self.repository.add(Indicator.model_validate(data.model_dump(mode="json")))
        except IntegrityError as exc:
            raise Duplicate(f"an indicator with code {data.code} already exists") from exc

    async def update(
        self, indicator_id: int, data: IndicatorUpdate, *, if_match: str | None
    ) -> Indicator:
        """Apply the given changes; the rule is re-checked against the resulting direction."""
        indicator = await self.get(indicator_id, for_update=True)  # no lost concurrent edit
        check_if_match(if_match, indicator.version)
        changes = data.model_dump(exclude_unset=True, mode="json")
        direction = Direction(changes.get("direction") or indicator.direction)
        rule = changes.get("scoring_rule") or indicator.scoring_rule
        try:
            changes["scoring_rule"] = canonical_rule(rule, direction)
        except ValueError as exc:
            raise UnprocessableContent(str(exc)) from exc
        for field, value in changes.items():
            if value is not None:
                setattr(indicator, field, value)
        return await self.repository.save(indicator)

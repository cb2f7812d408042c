"""Rules of the indicator library. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from services.kpi.indicators.models import Indicator
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.schemas import IndicatorCreate
from shared.errors import Conflict, NotFound


class IndicatorService:
    """Create, read and list indicators."""

    def __init__(self, repository: IndicatorRepository) -> None:
        self.repository = repository

    async def get(self, indicator_id: int) -> Indicator:
        indicator = await self.repository.get(indicator_id)
        if indicator is None:
            raise NotFound(f"indicator {indicator_id} does not exist")
        return indicator

    async def list(
        self, *, kind: str | None, after_id: int | None, limit: int
    ) -> Sequence[Indicator]:
        return await self.repository.list(kind=kind, after_id=after_id, limit=limit)

    async def create(self, data: IndicatorCreate) -> Indicator:
        if await self.repository.get_by_code(data.code) is not None:
            raise Conflict(f"an indicator with code {data.code} already exists")
        try:
            return await self.repository.add(Indicator.model_validate(data.model_dump(mode="json")))
        except IntegrityError as exc:
            raise Conflict(f"an indicator with code {data.code} already exists") from exc

"""Every query on positions and their versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, or_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.positions.models import (
    OPEN_STATUSES,
    Position,
    PositionAcknowledgement,
    PositionVersion,
    VersionStatus,
)

PositionRow = tuple[Position, PositionVersion | None]


def effective_versions_subquery() -> Subquery:
    """Per position, the version that describes it now: the approved one, else the newest
    open one (retired versions never count)."""
    rank = case((col(PositionVersion.status) == VersionStatus.APPROVED.value, 0), else_=1)
    return (
        select(PositionVersion)
        .where(col(PositionVersion.status) != VersionStatus.RETIRED.value)
        .ext(distinct_on(col(PositionVersion.position_id)))
        .order_by(col(PositionVersion.position_id), rank, col(PositionVersion.version_no).desc())
        .subquery("effective_version")
    )


class PositionRepository:
    """Queries for positions and versions, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, position_id: int) -> Position | None:
        return await self.session.get(Position, position_id)

    async def get_by_code(self, code: str) -> Position | None:
        result = await self.session.exec(select(Position).where(col(Position.code) == code))
        return result.first()

    async def get_version(self, position_id: int, version_no: int) -> PositionVersion | None:
        result = await self.session.exec(
            select(PositionVersion).where(
                col(PositionVersion.position_id) == position_id,
                col(PositionVersion.version_no) == version_no,
            )
        )
        return result.first()

    async def get_version_for_update(
        self, position_id: int, version_no: int
    ) -> PositionVersion | None:
        """The version with its row locked until the transaction ends (for a change checked
        against the version the editor read, or a status transition)."""
        result = await self.session.exec(
            select(PositionVersion)
            .where(
                col(PositionVersion.position_id) == position_id,
                col(PositionVersion.version_no) == version_no,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def approved_version(self, position_id: int) -> PositionVersion | None:
        result = await self.session.exec(
            select(PositionVersion).where(
                col(PositionVersion.position_id) == position_id,
                col(PositionVersion.status) == VersionStatus.APPROVED.value,
            )
        )
        return result.first()

    async def open_version(self, position_id: int) -> PositionVersion | None:
        result = await self.session.exec(
            select(PositionVersion).where(
                col(PositionVersion.position_id) == position_id,
                col(PositionVersion.status).in_([s.value for s in OPEN_STATUSES]),
            )
        )
        return result.first()

    async def last_version_no(self, position_id: int) -> int:
        result = await self.session.exec(
            select(func.max(PositionVersion.version_no)).where(
                col(PositionVersion.position_id) == position_id
            )
        )
        return int(result.one() or 0)

    async def list_versions(
        self, position_id: int, *, after_no: int | None, limit: int
    ) -> Sequence[PositionVersion]:
        query = (
            select(PositionVersion)
            .where(col(PositionVersion.position_id) == position_id)
            .order_by(col(PositionVersion.version_no))
            .limit(limit)
        )
        if after_no is not None:
            query = query.where(col(PositionVersion.version_no) > after_no)
        result = await self.session.exec(query)
        return result.all()

    async def list(
        self,
        *,
        department_id: int | None = None,
        status: VersionStatus | None = None,
        reports_to_code: str | None = None,
        codes: Sequence[str] | None = None,
        text_query: str | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> Sequence[PositionRow]:
        """Positions with their effective version, by id, filtered on that version."""
        effective = aliased(PositionVersion, effective_versions_subquery())
        query = (
            select(Position, effective)
            .outerjoin(effective, col(effective.position_id) == col(Position.id))
            .order_by(col(Position.id))
        )
        if department_id is not None:
            query = query.where(col(effective.department_id) == department_id)
        if status is not None:
            query = query.where(col(effective.status) == status.value)
        if reports_to_code is not None:
            query = query.where(col(effective.reports_to_code) == reports_to_code)
        if codes is not None:
            query = query.where(col(Position.code).in_(list(codes)))
        if text_query:
            pattern = f"%{text_query}%"
            query = query.where(
                or_(col(Position.code).ilike(pattern), col(effective.title).ilike(pattern))
            )
        if after_id is not None:
            query = query.where(col(Position.id) > after_id)
        if limit is not None:
            query = query.limit(limit)
        result = await self.session.exec(query)
        return [(position, version) for position, version in result.all()]

    async def reporting_lines(self) -> dict[str, str | None]:
        """Every position's code → the code it reports to, by its effective version."""
        return {
            position.code: version.reports_to_code if version is not None else None
            for position, version in await self.list()
        }

    async def acknowledgement(
        self, employee_id: int, version_id: int
    ) -> PositionAcknowledgement | None:
        result = await self.session.exec(
            select(PositionAcknowledgement).where(
                col(PositionAcknowledgement.employee_id) == employee_id,
                col(PositionAcknowledgement.position_version_id) == version_id,
            )
        )
        return result.first()

    async def acknowledged(self, version_ids: Sequence[int]) -> set[tuple[int, int]]:
        """(employee id, version id) of every acknowledgement of these versions."""
        if not version_ids:
            return set()
        result = await self.session.exec(
            select(
                PositionAcknowledgement.employee_id, PositionAcknowledgement.position_version_id
            ).where(col(PositionAcknowledgement.position_version_id).in_(list(version_ids)))
        )
        return {(employee_id, version_id) for employee_id, version_id in result.all()}

    async def add(self, row: Position | PositionVersion | PositionAcknowledgement) -> None:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

"""Every query on appraisal templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.templates.models import AppraisalTemplate, TemplateItem


class TemplateRepository:
    """Queries on ``appraisal_templates`` and ``template_items``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, template_id: int, *, for_update: bool = False) -> AppraisalTemplate | None:
        return await self.session.get(
            AppraisalTemplate, template_id, with_for_update=for_update, populate_existing=for_update
        )

    async def get_many(self, template_ids: Sequence[int]) -> list[AppraisalTemplate]:
        result = await self.session.exec(
            select(AppraisalTemplate).where(col(AppraisalTemplate.id).in_(list(template_ids)))
        )
        return list(result.all())

    async def items(self, template_id: int) -> Sequence[TemplateItem]:
        result = await self.session.exec(
            select(TemplateItem)
            .where(col(TemplateItem.template_id) == template_id)
            .order_by(col(TemplateItem.position))
        )
        return result.all()

    async def code_exists(self, code: str) -> bool:
        found = await self.session.scalar(
            select(func.count()).where(col(AppraisalTemplate.code) == code)
        )
        return bool(found)

    async def latest_version(self, code: str) -> AppraisalTemplate | None:
        result = await self.session.exec(
            select(AppraisalTemplate)
            .where(col(AppraisalTemplate.code) == code)
            .order_by(col(AppraisalTemplate.template_version).desc())
            .limit(1)
        )
        return result.first()

    async def list_page(
        self,
        *,
        position_code: str | None,
        status: str | None,
        code: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[AppraisalTemplate]:
        query = select(AppraisalTemplate).order_by(col(AppraisalTemplate.id)).limit(limit)
        if position_code is not None:
            query = query.where(col(AppraisalTemplate.position_code) == position_code)
        if status is not None:
            query = query.where(col(AppraisalTemplate.status) == status)
        if code is not None:
            query = query.where(col(AppraisalTemplate.code) == code)
        if after_id is not None:
            query = query.where(col(AppraisalTemplate.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def add(self, template: AppraisalTemplate) -> AppraisalTemplate:
        self.session.add(template)
        await self.session.flush()
        await self.session.refresh(template)
        return template

    async def save(self, template: AppraisalTemplate) -> AppraisalTemplate:
        template.version += 1
        self.session.add(template)
        await self.session.flush()
        await self.session.refresh(template)
        return template

    async def replace_items(self, template_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """Delete a template's items and insert ``rows`` in one executemany."""
        await self.session.exec(
            delete(TemplateItem).where(col(TemplateItem.template_id) == template_id)
        )
        if rows:
            await self.session.exec(
                insert(TemplateItem), params=[{**row, "template_id": template_id} for row in rows]
            )
        await self.session.flush()

    async def retire_published(self, code: str, *, except_id: int) -> None:
        """Mark the other published versions of ``code`` retired."""
        await self.session.exec(
            update(AppraisalTemplate)
            .where(
                col(AppraisalTemplate.code) == code,
                col(AppraisalTemplate.status) == "published",
                col(AppraisalTemplate.id) != except_id,
            )
            .values(status="retired", version=AppraisalTemplate.version + 1)
        )

    async def lock_position_period(self, position_code: str, period_kind: str) -> None:
        """Serialise publishes for one position and period kind until the transaction ends
        (two drafts of different codes published at once would both find nothing in force)."""
        await self.session.exec(
            select(func.pg_advisory_xact_lock(func.hashtextextended(
                f"kpi.template:{position_code}:{period_kind}", 0
            )))
        )  # fmt: skip

    async def in_force_for(
        self, position_code: str, period_kind: str, *, except_code: str
    ) -> AppraisalTemplate | None:
        """The published template of another code for this position and period kind."""
        result = await self.session.exec(
            select(AppraisalTemplate)
            .where(
                col(AppraisalTemplate.position_code) == position_code,
                col(AppraisalTemplate.period_kind) == period_kind,
                col(AppraisalTemplate.status) == "published",
                col(AppraisalTemplate.code) != except_code,
            )
            .order_by(col(AppraisalTemplate.id))
            .limit(1)
        )
        return result.first()

    async def now(self) -> datetime:
        value = await self.session.scalar(select(func.now()))
        assert value is not None
        return value

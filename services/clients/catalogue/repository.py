"""Every query of the catalogue (a directory: no account scope)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, or_, select

from services.clients.catalogue.models import Product
from services.clients.db import Repository


def _escaped_like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ProductRepository(Repository):
    async def get(self, product_id: int, *, for_update: bool = False) -> Product | None:
        query = select(Product).where(col(Product.id) == product_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def get_by_code(self, code: str) -> Product | None:
        return (await self.session.exec(select(Product).where(col(Product.code) == code))).first()

    async def many(self, product_ids: Sequence[int]) -> dict[int, Product]:
        if not product_ids:
            return {}
        rows = await self.session.exec(select(Product).where(col(Product.id).in_(product_ids)))
        return {row.id: row for row in rows.all() if row.id is not None}

    async def list(
        self, *, active: bool | None, text: str | None, after_id: int | None, limit: int
    ) -> Sequence[Product]:
        query = select(Product)
        if active is not None:
            query = query.where(col(Product.active) == active)
        if text:
            pattern = _escaped_like(text)
            query = query.where(
                or_(
                    col(Product.code).ilike(pattern, escape="\\"),
                    col(Product.name).ilike(pattern, escape="\\"),
                )
            )
        if after_id is not None:
            query = query.where(col(Product.id) > after_id)
        return (await self.session.exec(query.order_by(col(Product.id)).limit(limit))).all()

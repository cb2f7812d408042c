"""The catalogue (产品/服务目录): products and services with their list prices. Everyone
in the department reads it; administrators and the department manager keep it. Never
commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.catalogue.models import Product
from services.clients.catalogue.repository import ProductRepository
from services.clients.catalogue.schemas import ProductCreate, ProductRead, ProductUpdate
from shared.concurrency import check_if_match
from shared.errors import Duplicate, NotFound, UnprocessableContent
from shared.money import Money


def product_missing(product_id: int) -> NotFound:
    return NotFound(f"product {product_id} does not exist")


def _duplicate_code(code: str) -> Duplicate:
    return Duplicate(f"product code {code} is already in use", extra={"reason": "duplicate_code"})


class CatalogueService:
    def __init__(self, repository: ProductRepository, audit: AuditTrail) -> None:
        self.repository = repository
        self.audit = audit

    @staticmethod
    def read(product: Product) -> ProductRead:
        assert product.id is not None
        assert product.created_at is not None and product.updated_at is not None
        return ProductRead(
            id=product.id,
            code=product.code,
            name=product.name,
            unit=product.unit,
            list_price=Money.of(product.list_price, product.currency),
            description=product.description,
            active=product.active,
            version=product.version,
            created_at=product.created_at,
            updated_at=product.updated_at,
        )

    async def get(self, product_id: int) -> Product:
        product = await self.repository.get(product_id)
        if product is None:
            raise product_missing(product_id)
        return product

    async def list(
        self, *, active: bool | None, text: str | None, after_id: int | None, limit: int
    ) -> Sequence[Product]:
        return await self.repository.list(active=active, text=text, after_id=after_id, limit=limit)

    async def _save(self, product: Product) -> Product:
        try:
            async with self.repository.session.begin_nested():
                return await self.repository.add(product)
        except IntegrityError as exc:  # a concurrent create took the code
            raise _duplicate_code(product.code) from exc

    def _audit(
        self,
        product: Product,
        action: str,
        actor: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert product.id is not None
        self.audit.record(
            entity=AuditEntity.PRODUCT,
            entity_id=product.id,
            account_id=None,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=snapshot(product) if after is None else after,
        )

    async def create(self, data: ProductCreate, actor: int | None) -> Product:
        if await self.repository.get_by_code(data.code) is not None:
            raise _duplicate_code(data.code)
        product = await self._save(Product(**data.model_dump()))
        self._audit(product, "create", actor)
        return product

    async def update(
        self, product_id: int, data: ProductUpdate, if_match: str | None, actor: int | None
    ) -> Product:
        product = await self.repository.get(product_id, for_update=True)
        if product is None:
            raise product_missing(product_id)
        check_if_match(if_match, product.version)
        changes = data.model_dump(exclude_unset=True)
        for field, value in changes.items():
            if value is None and field != "description":
                raise UnprocessableContent(
                    f"{field} cannot be null",
                    extra={"errors": [{"loc": ["body", field], "msg": "null", "type": "null"}]},
                )
        if "code" in changes:
            holder = await self.repository.get_by_code(changes["code"])
            if holder is not None and holder.id != product_id:
                raise _duplicate_code(changes["code"])
        before = snapshot(product)
        for field, value in changes.items():
            setattr(product, field, value)
        old, new = changed_fields(before, snapshot(product))
        if not new:
            return product
        product.version += 1
        product = await self._save(product)
        self._audit(product, "update", actor, old, new)
        return product

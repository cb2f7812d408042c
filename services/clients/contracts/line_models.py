"""Contract lines (合同明细): the products a contract sells, carried from the accepted
quotation when the opportunity is won, so "what did this client buy" is answerable."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable


class ContractLine(ClientsTable, table=True):
    """One product of a contract, as quoted: quantity, list price, the discount finally
    granted on it (its own compounded with the quotation's total discount) and the net
    amount; ``quotation_line_id`` names where it came from."""

    __tablename__ = "contract_lines"
    __table_args__ = (
        UniqueConstraint("contract_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_contract_lines_product_id", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="clients.contracts.id")
    position: int
    product_id: int = Field(foreign_key="clients.products.id")
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 3), nullable=False))
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    discount_percent: Decimal = Field(sa_column=Column(Numeric(9, 4), nullable=False))
    net_amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    quotation_line_id: int | None = Field(default=None, foreign_key="clients.quotation_lines.id")

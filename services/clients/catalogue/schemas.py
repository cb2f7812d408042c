"""Bodies of the catalogue API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from services.clients.rates.rules import CURRENCY_PATTERN
from shared.money import MAX_ABS_AMOUNT, ExactDecimal, Money, quantize_cents

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^\S+$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN, max_length=3)]


def _price(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("list_price must not be negative")
    if value > MAX_ABS_AMOUNT:
        raise ValueError(f"list_price must be at most {MAX_ABS_AMOUNT}")
    if quantize_cents(value) != value:
        raise ValueError("list_price has more than two decimal places")
    return quantize_cents(value)


Price = Annotated[ExactDecimal, AfterValidator(_price)]


class ProductCreate(BaseModel):
    """A new product or service of the catalogue."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "SVC-PD-OM",
                    "name": "配电设施运维服务",
                    "unit": "年",
                    "list_price": "360000.00",
                    "currency": "CNY",
                    "description": "含季度巡检与7×24小时故障响应",
                }
            ]
        },
    )

    code: Code
    name: Name
    unit: Unit
    list_price: Price
    currency: Currency
    description: Description | None = None


class ProductUpdate(BaseModel):
    """A partial change of a product (needs If-Match); ``active`` false retires it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"list_price": "380000.00", "active": True}]},
    )

    code: Code | None = None
    name: Name | None = None
    unit: Unit | None = None
    list_price: Price | None = None
    currency: Currency | None = None
    description: Description | None = None
    active: bool | None = None


class ProductRead(BaseModel):
    """A product with its list price as money."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "code": "SVC-PD-OM",
                    "name": "配电设施运维服务",
                    "unit": "年",
                    "list_price": {"amount": "360000.00", "currency": "CNY"},
                    "description": "含季度巡检与7×24小时故障响应",
                    "active": True,
                    "version": 1,
                    "created_at": "2026-12-05T08:00:00Z",
                    "updated_at": "2026-12-05T08:00:00Z",
                }
            ]
        }
    )

    id: int
    code: str
    name: str
    unit: str
    list_price: Money
    description: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

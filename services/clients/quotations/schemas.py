"""Bodies of the quotations API (报价单)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.clients.quotations.rules import QuotationState
from shared.money import ExactDecimal, Money
from shared.numbers import BodyId
from shared.periods import IsoDay

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
MAX_LINES = 200


def _places(places: int, low: Decimal, high: Decimal, *, low_open: bool = False) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        if value < low or (low_open and value == low) or value > high:
            bound = f"greater than {low}" if low_open else f"at least {low}"
            raise ValueError(f"must be {bound} and at most {high}")
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValueError(f"has more than {places} decimal places")
        return value

    return AfterValidator(check)


Percent = Annotated[ExactDecimal, _places(2, Decimal(0), Decimal(100))]
Quantity = Annotated[
    ExactDecimal, _places(3, Decimal(0), Decimal("999999999999999"), low_open=True)
]


class QuotationLineIn(BaseModel):
    """A product of the catalogue, how many and the line's discount (%); the list price,
    code, name and unit are copied from the catalogue when the line is written."""

    model_config = ConfigDict(extra="forbid")

    product_id: BodyId
    quantity: Quantity
    discount_percent: Percent = Decimal(0)


_EXAMPLE_LINES: Any = [
    {"product_id": 1, "quantity": "2", "discount_percent": "5"},
    {"product_id": 1, "quantity": "1.5", "discount_percent": "0"},
]


class QuotationCreate(BaseModel):
    """A new draft quotation for the opportunity (the next version of its quotation)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "配电运维服务报价（第一版）",
                    "valid_until": "2027-12-31",
                    "total_discount_percent": "3",
                    "lines": _EXAMPLE_LINES,
                    "notes": "含两年上门巡检，不含备件",
                }
            ]
        },
    )

    title: Title
    currency: Annotated[
        str | None,
        Field(
            default=None,
            pattern=r"^[A-Z]{3}$",
            description="Defaults to the opportunity's currency; every product must be "
            "priced in it.",
        ),
    ] = None
    valid_until: IsoDay
    total_discount_percent: Percent = Decimal(0)
    lines: list[QuotationLineIn] = Field(min_length=1, max_length=MAX_LINES)
    notes: Notes | None = None


class QuotationUpdate(BaseModel):
    """Changes to a draft (the lines, when given, replace all of them)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "valid_until": "2027-06-30",
                    "total_discount_percent": "2",
                    "lines": _EXAMPLE_LINES,
                }
            ]
        },
    )

    title: Title | None = None
    valid_until: IsoDay | None = None
    total_discount_percent: Percent | None = None
    lines: list[QuotationLineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    notes: Notes | None = None


class QuotationSubmit(BaseModel):
    """Why the discount is needed (sent to the superior when it is above the author's
    authority)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "客户预算受限，竞争对手报价低约8%"}]},
    )

    reason: Reason | None = None


class QuotationOutcome(BaseModel):
    """The client's answer, in a sentence (optional)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "客户采购部书面确认"}]}
    )

    note: Reason | None = None


class QuotationLineRead(BaseModel):
    id: int
    position: int
    product_id: int
    product_code: str
    product_name: str
    unit: str
    quantity: Decimal
    unit_price: Money = Field(description="The catalogue's list price when the line was written.")
    discount_percent: Decimal
    list_amount: Money
    net_amount: Money = Field(description="After the line's own discount, half-up to the cent.")


class QuotationRead(BaseModel):
    """A version of an opportunity's quotation, its lines and totals (every amount to the
    cent in the quotation's currency)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "opportunity_id": 5,
                    "account_id": 42,
                    "revision": 2,
                    "copied_from_id": 11,
                    "latest": True,
                    "title": "配电运维服务报价（第二版）",
                    "currency": "CNY",
                    "valid_until": "2027-12-31",
                    "state": "pending_approval",
                    "total_discount_percent": "3.00",
                    "granted_discount_percent": "7.8500",
                    "effective_discount_percent": "7.85",
                    "list_total": {"amount": "100000.00", "currency": "CNY"},
                    "lines_total": {"amount": "95000.00", "currency": "CNY"},
                    "total_discount_amount": {"amount": "2850.00", "currency": "CNY"},
                    "total": {"amount": "92150.00", "currency": "CNY"},
                    "author_id": 902,
                    "approval_request_id": 7,
                    "approved_by": None,
                    "refusal_reason": None,
                    "notes": "含两年上门巡检，不含备件",
                    "sent_at": None,
                    "decided_at": None,
                    "contract_id": None,
                    "lines": [
                        {
                            "id": 31,
                            "position": 1,
                            "product_id": 1,
                            "product_code": "SVC-OM-01",
                            "product_name": "配电运维服务（年）",
                            "unit": "年",
                            "quantity": "2.000",
                            "unit_price": {"amount": "50000.00", "currency": "CNY"},
                            "discount_percent": "5.00",
                            "list_amount": {"amount": "100000.00", "currency": "CNY"},
                            "net_amount": {"amount": "95000.00", "currency": "CNY"},
                        }
                    ],
                    "version": 3,
                    "created_at": "2026-12-05T08:15:00+00:00",
                    "updated_at": "2026-12-05T08:20:00+00:00",
                }
            ]
        }
    )

    id: int
    opportunity_id: int
    account_id: int
    revision: int = Field(description="The version number of the opportunity's quotation.")
    copied_from_id: int | None = Field(description="The quotation this version was copied from.")
    latest: bool = Field(description="Only the latest version can be sent or accepted.")
    title: str
    currency: str
    valid_until: date
    state: QuotationState = Field(
        description="Approved or sent past `valid_until` reads as expired."
    )
    total_discount_percent: Decimal
    granted_discount_percent: Decimal = Field(
        description="The deepest discount on any line (its own compounded with the total "
        "discount): what the author's discount authority must cover."
    )
    effective_discount_percent: Decimal = Field(
        description="(1 − total ÷ list total) × 100, half-up to 0.01."
    )
    list_total: Money
    lines_total: Money
    total_discount_amount: Money
    total: Money
    author_id: int
    approval_request_id: int | None
    approved_by: int | None
    refusal_reason: str | None
    notes: str | None
    sent_at: datetime | None
    decided_at: datetime | None
    contract_id: int | None = Field(description="The contract its lines were carried into.")
    lines: list[QuotationLineRead]
    version: int
    created_at: datetime
    updated_at: datetime

"""Bodies of the bids API (招投标)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.bids.rules import BidResult, DeadlineKind
from services.clients.receivables.schemas import MoneyInput
from shared.money import Money
from shared.numbers import BodyId
from shared.periods import AwareIsoInstant, IsoDay

TenderNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
DocumentName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
MAX_DOCUMENTS = 100


class BidDocument(BaseModel):
    """One item of the documents checklist and whether it is ready."""

    model_config = ConfigDict(extra="forbid")

    name: DocumentName
    done: bool = False


class BidBond(BaseModel):
    """The bid bond (投标保证金): how much, when paid, when returned (if it was)."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyInput
    paid_on: IsoDay | None = None
    returned_on: IsoDay | None = None


_EXAMPLE: dict[str, Any] = {
    "tender_number": "ZB-2026-1208",
    "title": "2027年度配电设施运维服务采购",
    "issuer": "华东某市供电公司物资部",
    "questions_deadline": "2026-12-15T09:00:00+08:00",
    "submission_deadline": "2026-12-22T09:30:00+08:00",
    "opening_at": "2026-12-22T10:00:00+08:00",
    "bond": {"amount": {"amount": "20000.00", "currency": "CNY"}, "paid_on": "2026-12-10"},
    "documents": [
        {"name": "营业执照副本", "done": True},
        {"name": "投标函", "done": False},
        {"name": "报价一览表", "done": False},
    ],
}


class BidCreate(BaseModel):
    """A tender answered for the opportunity. ``owner_id`` defaults to the caller."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    tender_number: TenderNumber
    title: Title
    issuer: Title
    owner_id: BodyId | None = None
    questions_deadline: AwareIsoInstant | None = None
    submission_deadline: AwareIsoInstant
    opening_at: AwareIsoInstant | None = None
    bond: BidBond | None = None
    documents: list[BidDocument] = Field(default_factory=list, max_length=MAX_DOCUMENTS)


class BidUpdate(BaseModel):
    """Changes to a bid without a result; ``bond`` and ``documents``, when given, replace
    what was there (send the whole checklist with its flags)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bond": {
                        "amount": {"amount": "20000.00", "currency": "CNY"},
                        "paid_on": "2026-12-10",
                        "returned_on": "2027-01-08",
                    },
                    "documents": [
                        {"name": "营业执照副本", "done": True},
                        {"name": "投标函", "done": True},
                        {"name": "报价一览表", "done": True},
                    ],
                }
            ]
        },
    )

    title: Title | None = None
    issuer: Title | None = None
    owner_id: BodyId | None = None
    questions_deadline: AwareIsoInstant | None = None
    submission_deadline: AwareIsoInstant | None = None
    opening_at: AwareIsoInstant | None = None
    bond: BidBond | None = None
    documents: list[BidDocument] | None = Field(default=None, max_length=MAX_DOCUMENTS)


class BidResultSet(BaseModel):
    """The outcome: 中标 (won), 未中标 (lost) or 弃标 (withdrawn)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"result": "won", "note": "综合评分第一，中标"}]},
    )

    result: BidResult
    note: Note | None = None


class BidBondRead(BaseModel):
    amount: Money
    paid_on: date | None
    returned_on: date | None
    returned: bool = Field(description="The bond came back (returned_on is set).")


class BidRead(BaseModel):
    """A bid with its dates, bond, checklist and result."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "id": 3,
                    "opportunity_id": 5,
                    "account_id": 42,
                    "owner_id": 902,
                    "bond": {
                        "amount": {"amount": "20000.00", "currency": "CNY"},
                        "paid_on": "2026-12-10",
                        "returned_on": None,
                        "returned": False,
                    },
                    "documents_done": 1,
                    "documents_total": 3,
                    "documents_complete": False,
                    "result": None,
                    "result_note": None,
                    "decided_at": None,
                    "version": 1,
                    "created_at": "2026-12-05T08:15:00+00:00",
                    "updated_at": "2026-12-05T08:15:00+00:00",
                }
            ]
        }
    )

    id: int
    opportunity_id: int
    account_id: int
    tender_number: str
    title: str
    issuer: str
    owner_id: int
    questions_deadline: datetime | None
    submission_deadline: datetime
    opening_at: datetime | None
    bond: BidBondRead | None
    documents: list[BidDocument]
    documents_done: int
    documents_total: int
    documents_complete: bool
    result: BidResult | None
    result_note: str | None
    decided_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class BidDeadlineRead(BaseModel):
    """One coming deadline of an undecided bid."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "bid_id": 3,
                    "kind": "submission",
                    "at": "2026-12-22T01:30:00+00:00",
                    "tender_number": "ZB-2026-1208",
                    "title": "2027年度配电设施运维服务采购",
                    "issuer": "华东某市供电公司物资部",
                    "opportunity_id": 5,
                    "account_id": 42,
                    "owner_id": 902,
                    "documents_complete": False,
                }
            ]
        }
    )

    bid_id: int
    kind: DeadlineKind
    at: datetime
    tender_number: str
    title: str
    issuer: str
    opportunity_id: int
    account_id: int
    owner_id: int
    documents_complete: bool

"""Bodies of the contacts API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.periods import IsoDay

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ()-]{4,28}$")
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


class ContactRole(StrEnum):
    """Role in the buying relationship: 决策者, 使用者, 支持者, 投资者."""

    DECISION_MAKER = "decision_maker"
    USER = "user"
    SUPPORTER = "supporter"
    INVESTOR = "investor"


class ContactDetails(BaseModel):
    """Personal data of a contact (phone and e-mail are what masking hides)."""

    model_config = ConfigDict(extra="forbid")

    name: Text100
    title: Text100 | None = None
    phone: Phone | None = None
    email: Email | None = None
    birthday: IsoDay | None = None
    notes: str = Field(default="", max_length=2000)


class ContactLink(BaseModel):
    """A contact's relationship with one account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "roles": ["decision_maker", "investor"],
                    "active": True,
                    "start_date": "2025-03-01",
                    "end_date": None,
                }
            ]
        },
    )

    roles: list[ContactRole] = Field(default_factory=list, max_length=4)
    active: bool = True
    start_date: IsoDay | None = None
    end_date: IsoDay | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> ContactLink:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        self.roles = list(dict.fromkeys(self.roles))
        return self


class AccountContactCreate(ContactDetails, ContactLink):
    """A new contact at an account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "李建国",
                    "title": "副总经理",
                    "phone": "138-1234-5678",
                    "email": "li.jianguo@example.com",
                    "birthday": "1972-05-18",
                    "notes": "喜欢喝茶，春节前拜访",
                    "roles": ["decision_maker"],
                    "active": True,
                    "start_date": "2025-03-01",
                }
            ]
        },
    )

    duplicate_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Why this is another person although a contact with the same phone, "
        "e-mail or name exists in the account's group (send it after a 409 "
        "possible-duplicate; audited). Not stored on the contact.",
    )


class ContactUpdate(BaseModel):
    """A partial update of a contact's personal data (needs If-Match)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"title": "总经理"}]})

    name: Text100 | None = None
    title: Text100 | None = None
    phone: Phone | None = None
    email: Email | None = None
    birthday: IsoDay | None = None
    notes: str | None = Field(default=None, max_length=2000)


class ContactRead(BaseModel):
    """A contact; ``mask_contact`` hides phone, e-mail and birth year from callers who do
    not see personal data (``services.clients.access.sees_personal_data``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str = Field(examples=["李建国"])
    title: str | None = Field(examples=["副总经理"])
    phone: str | None = Field(examples=["138-1234-5678"])
    email: str | None = Field(examples=["li.jianguo@example.com"])
    birthday: date | None = Field(
        description="Null when personal data is masked for the caller (see personal_data_masked)."
    )
    birthday_month_day: str | None = Field(
        default=None,
        examples=["05-17"],
        description="The birthday's month and day (MM-DD), shown even when masked.",
    )
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime
    personal_data_masked: bool = Field(
        default=False,
        description="Phone, e-mail and birth year are masked: the caller is not the owner of "
        "an account of this contact nor in the owner's manager chain (administrators too "
        "see them masked).",
    )

    @model_validator(mode="after")
    def _month_day(self) -> ContactRead:
        if self.birthday is not None and self.birthday_month_day is None:
            self.birthday_month_day = self.birthday.strftime("%m-%d")
        return self


class AccountContactRead(ContactRead):
    """A contact as seen from one account: personal data plus the relationship."""

    account_id: int
    roles: list[ContactRole] = Field(examples=[["decision_maker", "investor"]])
    active: bool
    start_date: date | None
    end_date: date | None


class CoverageAlert(BaseModel):
    """An active account with no active decision maker (决策者缺失)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "legal_name": "华东电网建设集团有限公司",
                    "owner_id": 12,
                    "grade": "A",
                    "active_contacts": 2,
                }
            ]
        }
    )

    account_id: int
    legal_name: str
    owner_id: int
    grade: str
    active_contacts: int

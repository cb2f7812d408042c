"""Request and response bodies of duplicate detection and account merges."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.numbers import BodyId

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Score = Annotated[int, Field(ge=0, le=100, description="Name similarity, 0–100.")]


class DuplicateCandidate(BaseModel):
    """An account whose name is alike (in a ``possible-duplicate`` problem's
    ``duplicates``)."""

    account_id: int
    legal_name: str
    score: Score


class DuplicatePair(BaseModel):
    """Two accounts whose names are alike."""

    account_id: int
    legal_name: str
    other_account_id: int
    other_legal_name: str
    score: Score


class DuplicateReport(BaseModel):
    """Pairs of accounts with names alike, best first. ``hidden_pairs``: pairs with an
    account outside the caller's scope, only counted."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "account_id": 42,
                            "legal_name": "北京华信科技有限公司",
                            "other_account_id": 57,
                            "other_legal_name": "華信科技（北京）有限公司",
                            "score": 100,
                        }
                    ],
                    "hidden_pairs": 1,
                    "min_score": 90,
                }
            ]
        }
    )

    items: list[DuplicatePair]
    hidden_pairs: int
    min_score: Score


LoserEtag = Annotated[
    str,
    StringConstraints(pattern=r'^"[0-9]+"$', max_length=20),
    Field(description='The loser\'s ETag as read (e.g. `"3"`).'),
]


class MergeCreate(BaseModel):
    """Merge ``loser_id`` into ``survivor_id`` (two records of one kind). ``If-Match``
    carries the survivor's ETag, ``loser_etag`` the loser's (both as read just before)."""

    model_config = ConfigDict(extra="forbid")

    survivor_id: BodyId
    loser_id: BodyId
    loser_etag: LoserEtag
    reason: Reason


class AccountMergeCreate(MergeCreate):
    """Merge account ``loser_id`` into account ``survivor_id``. ``If-Match`` carries the
    survivor's ETag, ``loser_etag`` the loser's (both as read just before)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "survivor_id": 42,
                    "loser_id": 57,
                    "loser_etag": '"1"',
                    "reason": "同一家公司：繁体名称重复录入",
                }
            ]
        },
    )


class ContactMergeCreate(MergeCreate):
    """Merge contact ``loser_id`` into contact ``survivor_id``. ``If-Match`` carries the
    survivor's ETag, ``loser_etag`` the loser's (both as read just before)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "survivor_id": 7,
                    "loser_id": 9,
                    "loser_etag": '"1"',
                    "reason": "同一个人：换了手机号后重复录入",
                }
            ]
        },
    )


class MergeRead(BaseModel):
    """A merge; ``moved`` counts the rows moved per ``schema.table.column``. ``undone_at``
    set: undone (the loser is back)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    survivor_id: int
    loser_id: int
    reason: str
    actor_employee_id: int | None
    moved: dict[str, int]
    merged_at: datetime
    undo_until: datetime
    undone_at: datetime | None
    undone_by: int | None
    version: int


class AccountMergeRead(MergeRead):
    """An account merge, with the loser's legal name."""

    loser_legal_name: str


class ContactMergeRead(MergeRead):
    """A contact merge, with the loser's name. ``set_aside`` counts, per
    ``schema.table.column``, the loser's rows dropped because the survivor held the same
    record (an undo brings them back)."""

    loser_name: str
    set_aside: dict[str, int]

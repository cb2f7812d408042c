"""Bodies of the notes API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_NOTE_LENGTH = 5000
NoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE_LENGTH)
]


class NoteCreate(BaseModel):
    """A new note on an account; the caller is its author."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body": "电话沟通：客户下季度计划扩容，约下周拜访。"}]},
    )

    body: NoteText


class NoteUpdate(BaseModel):
    """A new text for a note (its author only; needs If-Match)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body": "电话沟通：客户下季度计划扩容，已约周三拜访。"}]},
    )

    body: NoteText


class NoteRead(BaseModel):
    """A note with its author and times; ``version`` is its ETag."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(examples=[31])
    account_id: int = Field(examples=[42])
    author_id: int = Field(examples=[12], description="The employee who wrote it.")
    body: str = Field(examples=["电话沟通：客户下季度计划扩容，约下周拜访。"])
    version: int = Field(examples=[1])
    created_at: datetime
    updated_at: datetime

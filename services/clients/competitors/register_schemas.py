"""Bodies of the competitor register's API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Website = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^https?://\S+$")
]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class CompetitorCreate(BaseModel):
    """A competitor for the register (the name is unique)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "华东电力设备工程有限公司",
                    "website": "https://www.example-hd-power.cn",
                    "notes": "本地服务网点多，报价通常低于我方一成左右",
                }
            ]
        },
    )

    name: Name
    website: Website | None = None
    notes: Notes | None = None


class CompetitorUpdate(BaseModel):
    """A partial change of a competitor (needs If-Match); ``active`` false retires it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"notes": "2026年起主推储能一体化方案", "active": True}]},
    )

    name: Name | None = None
    website: Website | None = None
    notes: Notes | None = None
    active: bool | None = None


class CompetitorRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "name": "华东电力设备工程有限公司",
                    "website": "https://www.example-hd-power.cn",
                    "notes": "本地服务网点多，报价通常低于我方一成左右",
                    "active": True,
                    "version": 1,
                    "created_at": "2026-12-05T08:00:00Z",
                    "updated_at": "2026-12-05T08:00:00Z",
                }
            ]
        }
    )

    id: int
    name: str
    website: str | None
    notes: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

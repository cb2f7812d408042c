"""Request and response bodies of the departments API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.numbers import NotABoolean

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class FunctionArea(BaseModel):
    """一级职能 with its 二级职能."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")] | None = Field(
        default=None, examples=["client_management"]
    )
    name: ShortText = Field(examples=["客户管理"])
    sub_functions: list[ShortText] = Field(
        default_factory=list, max_length=50, examples=[["客户档案管理", "客户分级管理"]]
    )


class DepartmentCreate(BaseModel):
    """A new department."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "KA-DEV",
                    "name": "客户开发组",
                    "parent_id": 2,
                    "charter": "负责新大客户的开发与签约。",
                    "functions": [
                        {
                            "code": "client_management",
                            "name": "客户管理",
                            "sub_functions": ["客户开发", "客户分级"],
                        }
                    ],
                    "head_position_code": "KA-DEV-LEAD",
                    "planned_headcount": 6,
                }
            ]
        },
    )

    code: Code
    name: ShortText
    parent_id: Annotated[int, Field(ge=1), NotABoolean] | None = None
    charter: str = Field(default="", max_length=4000)
    functions: list[FunctionArea] = Field(default_factory=list, max_length=30)
    head_position_code: Code | None = None
    planned_headcount: int = Field(default=0, ge=0, le=100_000, strict=True)


class DepartmentUpdate(BaseModel):
    """A partial update; only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText | None = None
    parent_id: Annotated[int, Field(ge=1), NotABoolean] | None = None
    charter: str | None = Field(default=None, max_length=4000)
    functions: list[FunctionArea] | None = Field(default=None, max_length=30)
    head_position_code: Code | None = None
    planned_headcount: int | None = Field(default=None, ge=0, le=100_000, strict=True)


class DepartmentRead(BaseModel):
    """A department as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    parent_id: int | None
    charter: str
    functions: list[FunctionArea]
    head_position_code: str | None
    planned_headcount: int
    version: int
    created_at: datetime
    updated_at: datetime

"""Optimistic concurrency for records people edit at the same time (ETag / If-Match)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from shared.errors import PreconditionFailed, PreconditionRequired

IfMatch = Annotated[
    str | None,
    Header(max_length=200, description="The ETag from your last read of the record."),
]
"""The ``If-Match`` header of updates (bounded like every input)."""


def etag_for(version: int) -> str:
    """The strong ETag of a record version."""
    return f'"{version}"'


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse an update without ``If-Match`` (428) or based on a stale version (412)."""
    if if_match is None:
        raise PreconditionRequired("this update needs an If-Match header with the record's ETag")
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates:
        return
    if etag_for(current_version) not in candidates:
        raise PreconditionFailed(
            "the record changed since you read it; reload it and apply your change again",
            extra={"current_etag": etag_for(current_version)},
        )

"""Optimistic concurrency for records people edit at the same time (ETag / If-Match).

An update names the version it was based on: ``If-Match`` carries the ETag of the caller's
last read (``"3"``; a list of them is allowed). Without the header, and with ``If-Match:
*`` (which names no version, so it would skip the lock), the answer is 428 Precondition
Required; a header that is no list of quoted ETags (the bare version ``3`` from a body, a
date) is a 400 saying what is expected; a stale ETag is 412 with the current one.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from shared.errors import BadRequest, PreconditionFailed, PreconditionRequired

IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description=(
            'The ETag from your last read of the record (e.g. `"3"`, quoted). Required: '
            "none, or `*`, is a 428; anything but quoted ETags a 400; a stale one a 412."
        ),
    ),
]
"""The ``If-Match`` header of updates (bounded like every input)."""

_ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e]*"', re.ASCII)
"""An entity tag (RFC 9110 §8.8.3): optionally weak, quoted, printable ASCII but ``"``."""

EXPECTED_IF_MATCH = 'If-Match must be the ETag of your last read of the record, quoted, e.g. "3"'


def etag_for(version: int) -> str:
    """The strong ETag of a record version."""
    return f'"{version}"'


def if_match_tags(if_match: str | None) -> set[str]:
    """The entity tags an ``If-Match`` names (weakness dropped), refusing the header when it
    names none (428) or is no list of entity tags (400)."""
    if if_match is None:
        raise PreconditionRequired("this update needs an If-Match header with the record's ETag")
    items = [item.strip() for item in if_match.split(",")]
    if "*" in items:
        raise PreconditionRequired(
            "If-Match: * names no version of the record; send the ETag of your last read"
        )
    if not all(_ENTITY_TAG.fullmatch(item) for item in items):
        raise BadRequest(EXPECTED_IF_MATCH)
    return {item.removeprefix("W/") for item in items}


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse an update without a version to compare (428), with a malformed ``If-Match``
    (400), or based on a stale version (412)."""
    if etag_for(current_version) not in if_match_tags(if_match):
        raise PreconditionFailed(
            "the record changed since you read it; reload it and apply your change again",
            extra={"current_etag": etag_for(current_version)},
        )

"""The streaming multipart reader: however the body is cut into chunks on the wire, the
parts come out whole and in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.clients.attachments.upload import (
    PartData,
    PartEnd,
    PartStart,
    boundary_of,
    form_events,
)
from shared.errors import BadRequest


def body_of(name: str, content: bytes, checksum: str) -> tuple[str, bytes]:
    request = httpx.Request(
        "POST",
        "http://test/",
        files={"file": (name, content, "application/pdf")},
        data={"sha256": checksum},
    )
    return request.headers["content-type"], request.read()


async def chunks(body: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    start = 0
    for cut in [*sorted({min(c, len(body)) for c in cuts}), len(body)]:
        yield body[start:cut]
        start = cut


async def parts(
    content_type: str, body: bytes, cuts: list[int]
) -> dict[str, tuple[PartStart, bytes]]:
    boundary = boundary_of(content_type)
    assert boundary is not None
    found: dict[str, tuple[PartStart, bytes]] = {}
    current: PartStart | None = None
    data = bytearray()
    async for event in form_events(chunks(body, cuts), boundary):
        if isinstance(event, PartStart):
            current, data = event, bytearray()
        elif isinstance(event, PartData):
            data += event.data
        else:
            assert isinstance(event, PartEnd) and current is not None
            found[current.name] = (current, bytes(data))
    return found


@settings(max_examples=60, deadline=None)
@given(
    # Names as people give them: no control characters (httpx percent-encodes those, as
    # HTML's form encoding does) and no literal "%22"-like escapes.
    name=st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="%"),
        min_size=1,
        max_size=40,
    ),
    content=st.binary(max_size=5000),
    cuts=st.lists(st.integers(min_value=0, max_value=6000), max_size=20),
)
def test_parts_survive_any_cutting_of_the_body(name: str, content: bytes, cuts: list[int]) -> None:
    content_type, body = body_of(name, content, "ab" * 32)
    found = asyncio.run(parts(content_type, body, cuts))
    start, data = found["file"]
    assert data == content
    assert start.file_name == name
    assert start.content_type == "application/pdf"
    assert found["sha256"][1] == b"ab" * 32


def test_only_multipart_has_a_boundary() -> None:
    assert boundary_of("multipart/form-data; boundary=abc") == b"abc"
    assert boundary_of("application/json") is None
    assert boundary_of(None) is None
    assert boundary_of("multipart/form-data") is None


def test_a_malformed_body_is_a_bad_request() -> None:
    async def read() -> None:
        async for _ in form_events(chunks(b"--x\r\nnot a header line\r\n\r\n", []), b"x"):
            pass

    with pytest.raises(BadRequest):
        asyncio.run(read())

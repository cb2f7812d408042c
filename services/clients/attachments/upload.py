"""Reading a ``multipart/form-data`` body as it streams in (python-multipart's push
parser over the request's chunks): the parts' headers, then their bytes piece by piece,
so a file is never held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.clients.attachments.rules import part_file_name
from shared.errors import BadRequest

MAX_PART_HEADERS = 16 * 1024  # bytes of one part's headers


@dataclass(frozen=True)
class PartStart:
    name: str
    file_name: str | None
    content_type: str


@dataclass(frozen=True)
class PartData:
    data: bytes


@dataclass(frozen=True)
class PartEnd:
    pass


Event = PartStart | PartData | PartEnd


def boundary_of(content_type: str | None) -> bytes | None:
    """The boundary of a ``multipart/form-data`` content type (None for any other type)."""
    kind, params = parse_options_header(content_type or "")
    if kind.lower() != b"multipart/form-data":
        return None
    return params.get(b"boundary") or None


class _Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.field = bytearray()
        self.value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.header_bytes = 0

    def _grow(self, target: bytearray, data: bytes, start: int, end: int) -> None:
        self.header_bytes += end - start
        if self.header_bytes > MAX_PART_HEADERS:
            raise BadRequest(f"a part's headers may have at most {MAX_PART_HEADERS} bytes")
        target += data[start:end]

    def on_part_begin(self) -> None:
        self.headers, self.header_bytes = {}, 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._grow(self.field, data, start, end)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._grow(self.value, data, start, end)

    def on_header_end(self) -> None:
        self.headers[bytes(self.field).strip().lower()] = bytes(self.value).strip()
        self.field, self.value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        raw = self.headers.get(b"content-disposition", b"")
        _, params = parse_options_header(raw)
        name = params.get(b"name", b"").decode("utf-8", errors="replace")
        content_type = self.headers.get(b"content-type", b"").decode("latin-1")
        self.events.append(PartStart(name, part_file_name(params, raw), content_type))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self.events.append(PartData(bytes(data[start:end])))

    def on_part_end(self) -> None:
        self.events.append(PartEnd())

    def drain(self) -> list[Event]:
        events, self.events = self.events, []
        return events


async def form_events(chunks: AsyncIterator[bytes], boundary: bytes) -> AsyncIterator[Event]:
    """The events of a multipart body read from ``chunks`` (400 when it is malformed)."""
    collector = _Collector()
    callbacks = {
        name: getattr(collector, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in chunks:
            if chunk:
                parser.write(chunk)
            for event in collector.drain():
                yield event
        parser.finalize()
    except MultipartParseError as exc:
        raise BadRequest(f"the multipart body is malformed: {exc}") from None
    for event in collector.drain():
        yield event

"""A response's writes in one loop turn leave as one write; nothing is held past that turn."""

from __future__ import annotations

import asyncio

from deploy.coalesced_writes import FLUSH_AT_BYTES, CoalescingTransport


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_the_writes_of_one_turn_go_out_together_at_its_end() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"{}")
    assert inner.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert inner.writes[1:] == [b"next"]


async def test_closing_sends_what_is_held_first() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"bye")
    transport.close()
    assert inner.writes == [b"bye"] and inner.closed
    await asyncio.sleep(0)
    assert inner.writes == [b"bye"]


async def test_a_large_body_is_not_held() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"head")
    transport.write(b"x" * FLUSH_AT_BYTES)
    assert inner.writes == [b"head" + b"x" * FLUSH_AT_BYTES]
    await asyncio.sleep(0)
    assert len(inner.writes) == 1

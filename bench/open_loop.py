"""An open-loop load generator: requests at a fixed arrival rate, whatever the answers do.

wrk (bench/load.py) keeps N connections busy, so it measures the most a system can do and
sends less when the system slows down; a soak needs the opposite, a constant rate like
real callers, and Debian has no wrk2. Request ``i`` is due at ``start + i / rate``; it is
sent then in its own task (a slow answer delays nothing else), and its latency is counted
from that due time, not from when it was actually sent, so a generator or a connection
pool falling behind shows in the numbers instead of hiding them (coordinated omission).
How late the sends were is recorded too: a run whose generator fell behind is not the
rate it claims.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class PlannedRequest:
    """One request of a scenario and the answers that count as success."""

    scenario: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes | None = None
    expected: Collection[int] = (200,)


@dataclass
class ScenarioTally:
    """What one scenario's requests did: latency from due time (ms), errors by kind."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def record(self, latency_ms: float, outcome: str, ok: bool) -> None:
        self.latencies_ms.append(latency_ms)
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1
        if not ok:
            self.errors[outcome] = self.errors.get(outcome, 0) + 1


@dataclass
class OpenLoopRun:
    """The tallies of a run and how closely the generator kept to its schedule."""

    rate: float
    seconds: float
    tallies: dict[str, ScenarioTally] = field(default_factory=dict)
    send_lag_ms: list[float] = field(default_factory=list)
    timeline: list[tuple[float, float, bool]] = field(default_factory=list)  # due s, ms, ok
    origin: float = 0.0
    sent: int = 0
    send_seconds: float = 0.0
    drain_seconds: float = 0.0


async def run_open_loop(
    base_url: str,
    next_request: Callable[[int], PlannedRequest],
    *,
    rate: float,
    seconds: float,
    start_at: float,
    timeout_seconds: float = 10.0,
    max_connections: int = 256,
) -> OpenLoopRun:
    """Send ``rate × seconds`` requests, request ``i`` due at ``start_at + i / rate``
    (``start_at`` a ``time.time()``, so another process can line its samples up)."""
    run = OpenLoopRun(rate=rate, seconds=seconds)
    total = int(rate * seconds)
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    connector = aiohttp.TCPConnector(limit=max_connections, force_close=False)
    tasks: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(base_url, timeout=timeout, connector=connector) as session:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        run.origin = origin = time.perf_counter()
        for i in range(total):
            due = origin + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            planned = next_request(i)
            task = asyncio.create_task(_send(session, planned, due, run))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        run.sent = total
        run.send_seconds = time.perf_counter() - origin
        drained = time.perf_counter()
        if tasks:
            await asyncio.wait(set(tasks))
        run.drain_seconds = time.perf_counter() - drained
    return run


async def _send(
    session: aiohttp.ClientSession, planned: PlannedRequest, due: float, run: OpenLoopRun
) -> None:
    run.send_lag_ms.append((time.perf_counter() - due) * 1000)
    tally = run.tallies.setdefault(planned.scenario, ScenarioTally())
    try:
        async with session.request(
            planned.method, planned.path, headers=dict(planned.headers), data=planned.body
        ) as response:
            await response.read()
            outcome, ok = str(response.status), response.status in planned.expected
    except TimeoutError:
        outcome, ok = "timeout", False
    except aiohttp.ClientError as exc:
        outcome, ok = type(exc).__name__, False
    latency_ms = (time.perf_counter() - due) * 1000
    tally.record(latency_ms, outcome, ok)
    run.timeline.append((due - run.origin, latency_ms, ok))


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * p / 100)) - 1]


def windows(run: OpenLoopRun, seconds: float) -> list[dict[str, Any]]:
    """All scenarios together, window by window of due time: where a stall or a creep was."""
    buckets: dict[int, list[tuple[float, bool]]] = {}
    for due, latency_ms, ok in run.timeline:
        buckets.setdefault(int(due // seconds), []).append((latency_ms, ok))
    return [
        {"from_s": k * seconds, "requests": len(v), "errors": sum(not ok for _, ok in v),
         "p50_ms": round(percentile([ms for ms, _ in v], 50), 1),
         "p99_ms": round(percentile([ms for ms, _ in v], 99), 1)}
        for k, v in sorted(buckets.items())
    ]  # fmt: skip


def summary(run: OpenLoopRun, window_seconds: float = 10.0) -> dict[str, Any]:
    """Per scenario: requests, errors, achieved rate, p50/p90/p99/max (ms); the generator's
    own record: requests sent, how long sending took, how late the sends were; and the
    latency window by window."""
    seconds = run.send_seconds + 1 / run.rate if run.sent else 0.0
    scenarios = {}
    for name, tally in run.tallies.items():
        count = len(tally.latencies_ms)
        errors = sum(tally.errors.values())
        scenarios[name] = {
            "requests": count,
            "rate": round(count / seconds, 2) if seconds else 0.0,
            "errors": errors,
            "error_rate": round(errors / count, 6) if count else 0.0,
            "errors_by_kind": tally.errors,
            "statuses": tally.statuses,
            **{f"p{p}_ms": round(percentile(tally.latencies_ms, p), 2) for p in (50, 90, 99)},
            "max_ms": round(max(tally.latencies_ms, default=0.0), 2),
        }
    return {
        "target_rate": run.rate,
        "sent": run.sent,
        "send_seconds": round(seconds, 3),
        "achieved_rate": round(run.sent / seconds, 2) if seconds else 0.0,
        "send_lag_p99_ms": round(percentile(run.send_lag_ms, 99), 2),
        "send_lag_max_ms": round(max(run.send_lag_ms, default=0.0), 2),
        "drain_seconds": round(run.drain_seconds, 3),
        "scenarios": scenarios,
        "windows": windows(run, window_seconds),
    }

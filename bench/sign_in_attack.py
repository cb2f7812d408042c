"""Sign-in under attack (issue 18, defect 1): how fast an honest sign-in stays while a
flood of wrong passwords hits other logins.

Open loop (bench/open_loop.py), both at once through the gateway: ``rate`` bad sign-ins
a second from one outside address (sent as X-Forwarded-For, which staff believes from the
gateway, a trusted hop), spread over the other people's logins and logins that do not
exist; and two correct sign-ins a second, of people taking turns, from another address.
Target: p99 of the correct sign-in under 1 s. A correct sign-in that is not 200 fails.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlencode

from bench.open_loop import PlannedRequest, run_open_loop, summary

ATTACKER = "203.0.113.66"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TARGET_P99_MS = 1000.0


def _form(login: str, password: str) -> bytes:
    return urlencode({"username": login, "password": password}).encode()


async def _both(
    gateway: str, honest: list[str], password: str, others: list[str], rate: float, seconds: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    def bad(i: int) -> PlannedRequest:
        victim = others[i % len(others)] if i % 2 else f"bench.nobody{i % 997}"
        return PlannedRequest(
            "bad sign-in", "POST", "/v1/auth/token",
            {**FORM, "X-Forwarded-For": ATTACKER}, _form(victim, f"guess-{i}"), (401, 429),
        )  # fmt: skip

    def correct(i: int) -> PlannedRequest:
        return PlannedRequest("correct sign-in", "POST", "/v1/auth/token", FORM,
                              _form(honest[i % len(honest)], password))  # fmt: skip

    start_at = time.time() + 0.5
    attack_run, honest_run = await asyncio.gather(
        run_open_loop(gateway, bad, rate=rate, seconds=seconds, start_at=start_at,
                      timeout_seconds=30, max_connections=512),
        run_open_loop(gateway, correct, rate=2, seconds=seconds, start_at=start_at + 1,
                      timeout_seconds=30),
    )  # fmt: skip
    return summary(attack_run)["scenarios"], summary(honest_run)["scenarios"]


def sign_in_under_attack(
    gateway: str,
    honest: list[str],
    password: str,
    others: list[str],
    *,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Run the flood and the honest sign-ins; the per-scenario summaries and the target."""
    attack, fair = asyncio.run(_both(gateway, honest, password, others, rate, seconds))
    correct = fair.get("correct sign-in", {})
    return {
        "rate": rate,
        "seconds": seconds,
        "bad": attack.get("bad sign-in", {}),
        "correct": correct,
        "target_p99_ms": TARGET_P99_MS,
        "met": bool(correct) and correct["errors"] == 0 and correct["p99_ms"] < TARGET_P99_MS,
    }

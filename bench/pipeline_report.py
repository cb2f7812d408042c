"""Benchmark: the pipeline reports (销售预测 / 销售机会报表) at 100,000 opportunities (issue 22).

    .venv/bin/python -m bench.pipeline_report                 # 100,000 opportunities
    .venv/bin/python -m bench.pipeline_report --quick         # 10,000, fewer requests

1. A fresh database (``DATABASE_URL``'s server or an embedded PostgreSQL), migrated; the
   org tree (bench/org.py), the accounts with a month of activity (bench/activity.py) and
   ``--opportunities`` opportunities spread over the account holders, the next six months
   and the open stages (a tenth won or lost this month), each with its stage history, all
   loaded with binary COPY.
2. The four real processes with production settings (bench.kpi_cycle.process_env).
3. Through the gateway, as the department manager (who sees every opportunity): the
   department's forecast per team for the quarter (every open opportunity of it is read and
   weighted), and one team's 销售机会报表 for the month as JSON and XLSX; ``--requests``
   sequential requests each after a warm-up, their p50 / p99 / max; the totals checked
   against the loaded rows (the weighted pipeline must be exactly the sum of the rows').
4. A table on stdout and JSON under ``bench/results/``. Exit code 1 when the system
   misbehaved (an error status, a wrong total); a slow p99 is reported, not an error.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import httpx

from bench import harness
from bench.activity import SHANGHAI, Activity, build_activity, load_activity
from bench.bulk import columns, copy, load_in_bulk
from bench.kpi_cycle import (
    BENCH_PASSWORD,
)
from bench.kpi_flow import BenchError
from bench.org import Org, load_org, org_tree
from deploy.processes import Stack
from services.staff.identity.secrets import hash_password
from shared.auth.tokens import SigningKey

OPEN_STAGES = (("lead", 10), ("qualified", 25), ("proposal", 50), ("negotiation", 75))
OPPORTUNITY_COLUMNS = columns(
    "id account_id name amount currency expected_close_month stage_code probability owner_id "
    "status contract_id lost_reason version created_at updated_at closed_at"
)
CHANGE_COLUMNS = columns(
    "id opportunity_id from_stage_code to_stage_code probability owner_id changed_at"
)
CENT = Decimal("0.01")
QUICK = {"opportunities": 10_000, "accounts": 5_000, "employees": 200, "requests": 20}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    made = harness.parser("python -m bench.pipeline_report", __doc__)
    made.add_argument("--opportunities", type=int, default=100_000)
    return harness.parse(made, argv, QUICK)


def month_start(day: date, ahead: int = 0) -> date:
    month = day.month - 1 + ahead
    return date(day.year + month // 12, month % 12 + 1, 1)


def opportunities(
    activity: Activity, count: int, now: datetime, seed: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``count`` opportunities on the activity's accounts (their owner's) and their stage
    changes: 90 % open over this month and the next five, 5 % won this month (linked to
    the account's contract when it has one, else open), 5 % lost this month."""
    rng = random.Random(seed)
    today = now.astimezone(SHANGHAI).date()
    owner_of = {row[0]: row[9] for row in activity.accounts}
    contract_of = {row[1]: row[0] for row in activity.contracts}
    accounts = sorted(owner_of)
    rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for n in range(1, count + 1):
        account = accounts[rng.randrange(len(accounts))]
        owner = owner_of[account]
        amount = Decimal(rng.randrange(1_000_000, 500_000_000)) / 100
        created = now - timedelta(days=rng.randrange(1, 120), minutes=rng.randrange(1440))
        stage, probability = OPEN_STAGES[rng.randrange(len(OPEN_STAGES))]
        roll = rng.random()
        status, contract, reason, closed = "open", None, None, None
        if roll < 0.05 and account in contract_of:
            status, contract, closed = "won", contract_of[account], now - timedelta(hours=1)
        elif 0.05 <= roll < 0.10:
            status, reason, closed = "lost", "价格", now - timedelta(hours=1)
        month = month_start(today, rng.randrange(6)) if status == "open" else month_start(today)
        code = {"won": "won", "lost": "lost"}.get(status, stage)
        final = {"won": 100, "lost": 0}.get(status, probability)
        rows.append((n, account, f"机会{n}", amount, "CNY", month, code, final, owner, status,
                     contract, reason, 1, created, created, closed))  # fmt: skip
        changes.append((len(changes) + 1, n, None, stage, probability, owner, created))
        if closed is not None:
            changes.append((len(changes) + 1, n, stage, code, final, owner, closed))
    return rows, changes


async def load(
    admin_url: str, org: Org, args: argparse.Namespace, now: datetime
) -> tuple[dict[str, Any], tuple[list[tuple[Any, ...]], datetime]]:
    started = time.perf_counter()
    activity = build_activity(org.account_holders, args.accounts, now, args.seed)
    rows, changes = opportunities(activity, args.opportunities, now, args.seed)
    generated_in = time.perf_counter() - started

    async def fill(conn: asyncpg.Connection) -> dict[str, int]:
        counts = await load_org(conn, org, hash_password(BENCH_PASSWORD))
        counts |= await load_activity(conn, activity)
        counts["clients.opportunities"] = await copy(
            conn, "clients.opportunities", OPPORTUNITY_COLUMNS, rows
        )
        counts["clients.opportunity_stage_changes"] = await copy(
            conn, "clients.opportunity_stage_changes", CHANGE_COLUMNS, changes
        )
        return counts

    return await load_in_bulk(admin_url, "clients", fill, generated_in), (rows, now)


def expected_weighted(rows: list[tuple[Any, ...]], first: date, last: date) -> Decimal:
    """The weighted pipeline of the open rows expected from ``first`` to ``last``: each
    amount × probability to the cent, then summed (what the report must answer)."""
    total = Decimal("0.00")
    for row in rows:
        if row[9] == "open" and first <= row[5] <= last:
            total += (row[3] * row[7] / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


async def drive(
    stack: Stack, org: Org, key: SigningKey, rows: list[tuple[Any, ...]], now: datetime,
    requests: int,
) -> dict[str, Any]:  # fmt: skip
    head = next(p for p in org.people if p.position_code == "KA-MGR")
    headers = harness.bearer(key, head)
    today = now.astimezone(SHANGHAI).date()
    first, last = month_start(today), month_start(today, 2)
    month = f"{first.year:04d}-{first.month:02d}"
    quarter = {"first_month": month, "last_month": f"{last.year:04d}-{last.month:02d}"}
    team = Counter(row[8] for row in rows).most_common(1)[0][0]
    lead = next(p.manager_id for p in org.people if p.id == team)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300) as client:
        results["forecast per team, department, quarter"], answer = await harness.timed(
            client, "/v1/clients/pipeline/forecast", {**quarter, "group_by": "team"}, headers,
            requests,
        )  # fmt: skip
        weighted = Decimal(answer.json()["totals"]["weighted"]["amount"])
        expected = expected_weighted(rows, first, last)
        if weighted != expected:
            raise BenchError(f"weighted pipeline {weighted} != {expected} of the loaded rows")
        report = {"first_month": month, "team_id": lead}
        results["销售机会报表 of a team, month (JSON)"], _ = await harness.timed(
            client, "/v1/clients/pipeline/report", report, headers, requests
        )
        results["销售机会报表 of a team, month (XLSX)"], _ = await harness.timed(
            client, "/v1/clients/pipeline/report", {**report, "format": "xlsx"}, headers,
            requests,
        )  # fmt: skip
    results["verified"] = {"weighted_pipeline": str(weighted)}
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    org = org_tree(args.employees, args.seed)
    return harness.run(
        "pipeline_report",
        args,
        f"{args.opportunities}o",
        lambda admin_url, now: load(admin_url, org, args, now),
        lambda stack, key, loaded: drive(stack, org, key, loaded[0], loaded[1], args.requests),
        lambda _: (
            f"pipeline reports: {args.opportunities:,} opportunities, "
            f"{args.accounts:,} accounts, {args.employees:,} employees"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

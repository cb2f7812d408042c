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
import asyncio
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.activity import SHANGHAI, Activity, build_activity, load_activity
from bench.bulk import columns, copy, load_in_bulk, loaded_line
from bench.kpi_cycle import (
    BENCH_PASSWORD,
    RESULTS,
    database_server,
    drop_everything,
    new_run,
    process_env,
    write_result,
)
from bench.kpi_flow import BenchError
from bench.org import Org, load_org, org_tree
from deploy.local_settings import RunnerSettings
from deploy.processes import Ports, Stack
from deploy.test_runner import free_port
from services.staff.identity.secrets import hash_password
from shared.auth.tokens import SigningKey, issue_token
from shared.bootstrap import prepare_database
from shared.dsn import with_database

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
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline_report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer requests")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    return args


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
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
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

    return await load_in_bulk(admin_url, "clients", fill, generated_in), rows


def expected_weighted(rows: list[tuple[Any, ...]], first: date, last: date) -> Decimal:
    """The weighted pipeline of the open rows expected from ``first`` to ``last``: each
    amount × probability to the cent, then summed (what the report must answer)."""
    total = Decimal("0.00")
    for row in rows:
        if row[9] == "open" and first <= row[5] <= last:
            total += (row[3] * row[7] / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def timed(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], headers: dict[str, str],
    requests: int,
) -> tuple[dict[str, Any], httpx.Response]:  # fmt: skip
    last = await client.get(path, params=params, headers=headers)  # warm-up
    if last.status_code != 200:
        raise BenchError(f"{path} answered {last.status_code}: {last.text[:300]}")
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        last = await client.get(path, params=params, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        if last.status_code != 200:
            raise BenchError(f"{path} answered {last.status_code}: {last.text[:300]}")
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "bytes": len(last.content),
    }, last


async def drive(
    stack: Stack, org: Org, key: SigningKey, rows: list[tuple[Any, ...]], now: datetime,
    requests: int,
) -> dict[str, Any]:  # fmt: skip
    head = next(p for p in org.people if p.position_code == "KA-MGR")
    token = issue_token(
        key, subject=f"user:{head.id}", lifetime_seconds=3600, employee_id=head.id,
        roles=frozenset({head.role, "employee"}), token_version=1,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    today = now.astimezone(SHANGHAI).date()
    first, last = month_start(today), month_start(today, 2)
    month = f"{first.year:04d}-{first.month:02d}"
    quarter = {"first_month": month, "last_month": f"{last.year:04d}-{last.month:02d}"}
    team = Counter(row[8] for row in rows).most_common(1)[0][0]
    lead = next(p.manager_id for p in org.people if p.id == team)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300) as client:
        results["forecast per team, department, quarter"], answer = await timed(
            client, "/v1/clients/pipeline/forecast", {**quarter, "group_by": "team"}, headers,
            requests,
        )  # fmt: skip
        weighted = Decimal(answer.json()["totals"]["weighted"]["amount"])
        expected = expected_weighted(rows, first, last)
        if weighted != expected:
            raise BenchError(f"weighted pipeline {weighted} != {expected} of the loaded rows")
        report = {"first_month": month, "team_id": lead}
        results["销售机会报表 of a team, month (JSON)"], _ = await timed(
            client, "/v1/clients/pipeline/report", report, headers, requests
        )
        results["销售机会报表 of a team, month (XLSX)"], _ = await timed(
            client, "/v1/clients/pipeline/report", {**report, "format": "xlsx"}, headers,
            requests,
        )  # fmt: skip
    results["verified"] = {"weighted_pipeline": str(weighted)}
    return results


def table(results: dict[str, Any]) -> str:
    lines = [f"{'scenario':<42} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'bytes':>11}"]
    for name, row in results.items():
        if name == "verified":
            continue
        lines.append(f"{name:<42} {row['p50_ms']:>9.1f} {row['p99_ms']:>9.1f} "
                     f"{row['max_ms']:>9.1f} {row['bytes']:>11,}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = RunnerSettings()
    stamp, run_id, prefix, passwords, key, log_dir = new_run(args.results_dir)
    org = org_tree(args.employees, args.seed)
    now = datetime.now(UTC)
    result: dict[str, Any] = {
        "benchmark": "pipeline_report",
        "started_at": now.isoformat(),
        "parameters": {k: getattr(args, k) for k in ("opportunities", "accounts", "employees",
                                                      "requests", "quick", "seed")},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
    }  # fmt: skip
    code = 0
    with database_server(settings) as server:
        admin_url = with_database(server, f"kam_bench_{run_id}")
        stack = Stack(
            host="127.0.0.1",
            log_dir=log_dir,
            ports=Ports(
                gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()
            ),
        )
        try:
            asyncio.run(prepare_database(admin_url, prefix, passwords))
            result["load"], rows = asyncio.run(load(admin_url, org, args, now))
            print(loaded_line(result["load"]), flush=True)
            stack.start(process_env(admin_url, prefix, passwords, key, log_dir))
            result["scenarios"] = asyncio.run(drive(stack, org, key, rows, now, args.requests))
            print(f"\npipeline reports: {args.opportunities:,} opportunities, "
                  f"{args.accounts:,} accounts, {args.employees:,} employees")  # fmt: skip
            print(table(result["scenarios"]))
        except (BenchError, RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
            print(f"benchmark failed: {result['error']} (logs: {log_dir})", file=sys.stderr)
            code = 1
        finally:
            stack.stop()
            asyncio.run(drop_everything(admin_url, prefix))
    write_result(args.results_dir / f"pipeline_report-{stamp}-{args.opportunities}o.json", result)
    return code


if __name__ == "__main__":
    sys.exit(main())

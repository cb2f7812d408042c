"""Benchmark: a monthly KPI cycle for a whole key-account department (issues 8 and 9).

    .venv/bin/python -m bench.kpi_cycle [--employees 1000] [--accounts 100000]

1. A fresh database on ``DATABASE_URL``'s server (else an embedded PostgreSQL under
   ``.data/bench-postgres``), its own service roles with passwords, migrated to head.
2. The data loaded with binary COPY, secondary indexes built afterwards: the org tree
   (bench/org.py) into staff and both org copies, the accounts and a month of their
   activity (bench/activity.py) into clients; then ANALYZE.
3. The four real processes with production settings (``KAM_ENVIRONMENT=production``, real
   secrets, one uvicorn worker each, no reload, no access log, WARNING-level JSON logs,
   the gateway's per-caller rate limit off as DESIGN.md allows for benchmarks, and the
   forced distribution not enforced at calibration since generated grades are random).
4. The cycle through the gateway (bench/kpi_flow.py), every phase timed; each employee
   acts with an access token signed by the staff key this run configured
   (``STAFF_SIGNING_KEY_PEM``), exactly as staff's sign-in issues it, so 1,000 argon2
   password checks are not part of the measurement; the appraisal administrator signs in
   for real.
5. A table on stdout and the same as JSON under ``bench/results/``; the database, its roles
   and the processes are removed at the end. Exit code 1 when the system misbehaved
   (a missed time target is reported, not an error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
import httpx

from bench.activity import SHANGHAI, build_activity, load_activity
from bench.bulk import load_in_bulk, loaded_line
from bench.kpi_flow import BenchError, CycleRun, Phase
from bench.org import Org, load_org, org_tree
from bench.results_summary import kpi_cycle_summary, record
from deploy.embedded_pg import EmbeddedPostgres
from deploy.local_settings import RunnerSettings
from deploy.processes import Ports, Stack
from deploy.test_runner import free_port
from services.staff.identity.secrets import hash_password
from services.staff.identity.signing import CONFIGURED_KID
from shared.auth.tokens import SigningKey, issue_token
from shared.bootstrap import drop_database, prepare_database, quote_ident
from shared.dsn import asyncpg_dsn, with_database
from shared.migrations import SERVICES
from shared.periods import Month

RESULTS = Path(__file__).parent / "results"
SERVICE_NAMES = tuple(SERVICES)
BENCH_PASSWORD = "bench-password-2026"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.kpi_cycle",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=1000, help="people in the department")
    parser.add_argument("--accounts", type=int, default=100_000, help="key accounts they own")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


@contextmanager
def database_server(settings: RunnerSettings) -> Iterator[str]:
    """An administrator's URL: ``DATABASE_URL``'s server, or an embedded one we start."""
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir / "bench-postgres", free_port())
    try:
        yield embedded.start()
    finally:
        embedded.stop()


async def drop_everything(admin_url: str, prefix: str) -> None:
    """Drop the run's database, then its roles (they own nothing else)."""
    await drop_database(admin_url)
    conn = await asyncpg.connect(asyncpg_dsn(with_database(admin_url, "postgres")))
    try:
        for service in SERVICE_NAMES:
            await conn.execute(f"DROP ROLE IF EXISTS {quote_ident(prefix + service)}")
    finally:
        await conn.close()


async def load(admin_url: str, org: Org, accounts: int, now: datetime, seed: int) -> dict[str, Any]:
    """COPY the org and the accounts with their activity; how long each part took."""
    started = time.perf_counter()
    activity = build_activity(org.account_holders, accounts, now, seed)
    generated_in = time.perf_counter() - started

    async def fill(conn: asyncpg.Connection) -> dict[str, int]:
        counts = await load_org(conn, org, hash_password(BENCH_PASSWORD))
        return counts | await load_activity(conn, activity)

    return await load_in_bulk(admin_url, "clients", fill, generated_in)


def process_env(
    admin_url: str, prefix: str, passwords: dict[str, str], key: SigningKey, log_dir: Path
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": admin_url,
            "KAM_ENVIRONMENT": "production",
            "KAM_DB_ROLE_PREFIX": prefix,
            "KAM_INTERNAL_SECRET": secrets.token_urlsafe(24),
            "KAM_LOG_LEVEL": "WARNING",
            "KAM_LOG_JSON": "true",
            "STAFF_SIGNING_KEY_PEM": key.private_pem(),
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "0",
            "STAFF_SECOND_FACTOR_ROLES": "[]",  # the benchmark's admin signs in by password
            "KPI_CALIBRATION_ENFORCE_DISTRIBUTION": "false",
        }
    )
    for service, password in passwords.items():
        env[f"{service.upper()}_DB_PASSWORD"] = password
    log_dir.mkdir(parents=True, exist_ok=True)
    return env


def local_stack(log_dir: Path) -> Stack:
    """The four processes on free local ports, logging to ``log_dir`` (not started)."""
    ports = Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port())
    return Stack(host="127.0.0.1", log_dir=log_dir, ports=ports)


def peak_memory(stack: Stack) -> dict[str, dict[str, float]]:
    """Each process's resident memory now and at its peak (MB), from /proc (Linux)."""
    memory: dict[str, dict[str, float]] = {}
    for name, process in stack.processes.items():
        status = Path(f"/proc/{process.pid}/status")
        if not status.exists():
            continue
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        memory[name] = {
            key: round(int(fields[field].split()[0]) / 1024, 1)
            for key, field in (("rss_mb", "VmRSS"), ("peak_rss_mb", "VmHWM"))
            if field in fields
        }
    return memory


async def drive(
    stack: Stack, org: Org, key: SigningKey, period: str, concurrency: int
) -> tuple[CycleRun, dict[str, Any]]:
    tokens = {
        p.id: issue_token(
            key,
            subject=f"user:{p.id}",
            lifetime_seconds=3600,
            roles=frozenset({p.role, "employee"}),
            employee_id=p.id,
            token_version=1,
        )
        for p in org.people
    }
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=stack.url("gateway"), timeout=120, limits=limits
    ) as client:
        signed_in = expect_token(
            await client.post(
                "/v1/auth/token",
                data={"username": f"bench.e{org.admin_id}", "password": BENCH_PASSWORD},
            )
        )
        run = CycleRun(client, org, tokens, signed_in, period, concurrency)
        started = time.perf_counter()
        template_ids = await run.create_templates()
        setup_seconds = time.perf_counter() - started
        await run.run(template_ids)
        verified = await run.verify()
    return run, {"setup_seconds": round(setup_seconds, 3), **verified}


def expect_token(response: httpx.Response) -> str:
    if response.status_code != 200:
        raise BenchError(f"sign-in failed: {response.status_code} {response.text[:300]}")
    return str(response.json()["access_token"])


def table(phases: list[Phase]) -> str:
    lines = [f"{'phase':<32}{'seconds':>9}{'requests':>10}{'req/s':>9}  target", "-" * 72]
    for phase in phases:
        rate = phase.requests / phase.seconds if phase.seconds else 0.0
        target = (
            ""
            if phase.target_seconds is None
            else (f"< {phase.target_seconds:g} s  {'met' if phase.met else 'MISSED'}")
        )
        lines.append(
            f"{phase.name:<32}{phase.seconds:>9.3f}{phase.requests:>10}{rate:>9.1f}  {target}"
        )
    return "\n".join(lines)


class RunIdentity(NamedTuple):
    """What one benchmark run makes its own."""

    stamp: str
    run_id: str
    prefix: str  # of the service roles it creates (and drops)
    passwords: dict[str, str]
    key: SigningKey
    log_dir: Path


def new_run(results_dir: Path) -> RunIdentity:
    """A run's stamp, role prefix and passwords, signing key and log folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = uuid.uuid4().hex[:6]
    results_dir.mkdir(parents=True, exist_ok=True)
    return RunIdentity(
        stamp=stamp,
        run_id=run_id,
        prefix=f"kamb{run_id}_",
        passwords={service: secrets.token_urlsafe(18) for service in SERVICE_NAMES},
        key=SigningKey.from_pem(CONFIGURED_KID, SigningKey.generate().private_pem()),
        log_dir=results_dir / f"logs-{stamp}",
    )


RUN_FAILURES = (BenchError, RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError)
"""What makes a benchmark run fail (exit code 1) rather than crash."""


def failed(result: dict[str, Any], exc: BaseException, log_dir: Path) -> int:
    """Note the run's failure in its result and on stderr; the exit code."""
    result["error"] = f"{type(exc).__name__}: {exc}"
    print(f"benchmark failed: {result['error']} (logs: {log_dir})", file=sys.stderr)
    return 1


def write_result(output: Path, result: dict[str, Any]) -> None:
    """The run's JSON under bench/results/, and where it went (with the run's length when
    the benchmark timed it)."""
    output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    total = result.get("total_seconds")
    print(f"written {output}" + (f" (the whole run: {total:.0f} s)" if total is not None else ""))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = RunnerSettings()
    stamp, run_id, prefix, passwords, key, log_dir = new_run(args.results_dir)
    org = org_tree(args.employees, args.seed)
    now = datetime.now(UTC)
    period = str(Month.of(now.astimezone(SHANGHAI).date()))
    result: dict[str, Any] = {
        "benchmark": "kpi_cycle",
        "started_at": now.isoformat(),
        "period": period,
        "parameters": {
            "employees": args.employees,
            "accounts": args.accounts,
            "indicators": 8,
            "concurrency": args.concurrency,
            "seed": args.seed,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    code = 0
    with database_server(settings) as server:
        admin_url = with_database(server, f"kam_bench_{run_id}")
        stack = local_stack(log_dir)
        try:
            started = time.perf_counter()
            asyncio.run(prepare_database(admin_url, prefix, passwords))
            result["migrate_seconds"] = round(time.perf_counter() - started, 3)
            print(f"database migrated in {result['migrate_seconds']:.1f} s; loading …", flush=True)
            result["load"] = asyncio.run(load(admin_url, org, args.accounts, now, args.seed))
            print(loaded_line(result["load"]), flush=True)
            started = time.perf_counter()
            stack.start(process_env(admin_url, prefix, passwords, key, log_dir))
            result["start_seconds"] = round(time.perf_counter() - started, 3)
            result["memory_idle"] = peak_memory(stack)
            run, verified = asyncio.run(drive(stack, org, key, period, args.concurrency))
            result["memory_after"] = peak_memory(stack)
            result["verified"] = verified
            result["phases"] = [phase.as_record() for phase in run.phases]
            print(f"\nKPI cycle: {len(org.appraised):,} employees × 8 automatic indicators, "
                  f"{args.accounts:,} accounts, period {period}")  # fmt: skip
            print(table(run.phases))
            print(f"grades after review: {verified['grades']}")
        except RUN_FAILURES as exc:
            code = failed(result, exc, log_dir)
        finally:
            stack.stop()
            asyncio.run(drop_everything(admin_url, prefix))
    output = args.results_dir / f"kpi_cycle-{stamp}-{args.employees}e-{args.accounts}a.json"
    write_result(output, result)
    record(f"kpi_cycle-{args.employees}e-{args.accounts}a", kpi_cycle_summary(result),
           args.results_dir)  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main())

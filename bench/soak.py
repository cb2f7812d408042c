"""Soak: a few minutes of fixed-rate mixed load through the gateway, with thresholds (issue 10).

    .venv/bin/python -m bench.soak                       # 5 minutes, 20 req/s, 10,000 accounts
    .venv/bin/python -m bench.soak --minutes 3 --rate 40
    make soak SOAK_ARGS="--minutes 10"

1. A fresh database (like bench.kpi_cycle: ``DATABASE_URL``'s server or an embedded
   PostgreSQL), migrated, loaded with COPY: the org tree (``--employees``) and
   ``--accounts`` accounts with a month of activity; the four real processes with
   production settings (``kpi_cycle.process_env``) and an ERP webhook secret; an API key of
   scope ``erp:write`` created through the API.
2. A preflight: one request of each scenario, each must answer as expected (a broken
   scenario fails in seconds, not after the whole soak).
3. The load (bench/open_loop.py, bench/soak_mix.py), in a process of its own: ``--rate``
   requests per second for ``--minutes``, a constant arrival rate (open loop, not wrk's
   closed loop), the scenarios interleaved 40/20/10/20/10: get an account by id, list an
   owner's B and C accounts, create a visit, a signed ERP payment delivery (``--duplicates``
   of them repeats), the org chart. Latency counts from each request's due time.
   Errors: any answer but the scenario's success status (200; 201 for a visit), timeouts
   (``--timeout``), connection errors. A repeated delivery answers 200 (``duplicate``).
4. Every ``--sample-seconds`` each process's RSS; drift = RSS at the end against RSS at
   minute 1, or at 20 % of a run shorter than 2 minutes.
5. Thresholds (bench/soak_report.py): error rate under ``--max-error-rate`` (0.1 %),
   p99 of each read under ``--read-p99-ms`` (250), each write under ``--write-p99-ms``
   (500) and the org chart of every employee under ``--org-chart-p99-ms`` (1000),
   memory drift within ``--max-memory-drift`` (10 %) for every process, the generator at
   ≥ 95 % of its rate and on schedule (a generator that fell behind fails the run), the
   payments stored exactly the distinct ones delivered. Tables on stdout, JSON under
   ``bench/results/``; exit code 1 when any threshold failed.

``tests/bench/test_soak_smoke.py`` runs it for 30 s at a low rate on tiny data in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.activity import SHANGHAI, credit_code
from bench.bulk import loaded_line
from bench.kpi_cycle import (
    RESULTS,
    database_server,
    drop_everything,
    load,
    new_run,
    process_env,
    write_result,
)
from bench.kpi_flow import BenchError
from bench.load import Sampler, rss_mb
from bench.open_loop import PlannedRequest
from bench.org import org_tree
from bench.scenarios import active_accounts, cast, count_stored, create_api_key
from bench.soak_mix import ERP_WEBHOOK, MIX, MixPlan, SoakMix, run_mix
from bench.soak_report import (
    Limits,
    failures,
    generator_line,
    memory_rows,
    memory_table,
    scenario_rows,
    scenario_table,
    windows_line,
)
from deploy.local_settings import RunnerSettings
from deploy.processes import Ports, Stack
from deploy.test_runner import free_port
from shared.auth.tokens import issue_token
from shared.bootstrap import prepare_database
from shared.dsn import with_database
from shared.webhooks import generate_secret


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--minutes", type=float, default=5.0, help="length of the load (default 5)")
    add("--rate", type=float, default=20.0, help="requests per second in all (default 20)")
    add("--accounts", type=int, default=10_000, help="default 10,000")
    add("--employees", type=int, default=1000, help="people in the department (default 1,000)")
    add("--duplicates", type=float, default=0.1, help="share of repeated ERP deliveries")
    add("--read-p99-ms", type=float, default=250.0, help="p99 limit of a read (default 250)")
    add("--write-p99-ms", type=float, default=500.0, help="p99 limit of a write (default 500)")
    add("--org-chart-p99-ms", type=float, default=1000.0,
        help="p99 limit of the org chart: everyone in one document (default 1000)")  # fmt: skip
    add("--max-error-rate", type=float, default=0.001, help="default 0.001 (0.1 %%)")
    add("--max-memory-drift", type=float, default=0.10, help="default 0.10 (10 %%)")
    add("--max-send-lag-ms", type=float, default=100.0,
        help="p99 of how late the generator sends (default 100)")  # fmt: skip
    add("--sample-seconds", type=float, default=5.0, help="RSS sampling interval (default 5)")
    add("--timeout", type=float, default=10.0, help="seconds before a request is an error")
    add("--results-dir", type=Path, default=RESULTS)
    add("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def limits_of(args: argparse.Namespace) -> Limits:
    return Limits(
        read_p99_ms=args.read_p99_ms,
        write_p99_ms=args.write_p99_ms,
        org_chart_p99_ms=args.org_chart_p99_ms,
        max_error_rate=args.max_error_rate,
        max_memory_drift=args.max_memory_drift,
        min_rate_share=0.95,
        max_send_lag_ms=args.max_send_lag_ms,
    )


def baseline_seconds(seconds: float) -> float:
    """Where memory is first measured: minute 1, or 20 % into a run under 2 minutes."""
    return 60.0 if seconds >= 120 else 0.2 * seconds


def preflight(mix: SoakMix) -> None:
    """One request of each scenario, answered as expected, before the load starts."""
    with httpx.Client(base_url=mix.plan.gateway, timeout=mix.plan.timeout_seconds) as client:
        for scenario in MIX:
            planned: PlannedRequest = mix.builders[scenario]()
            response = client.request(
                planned.method, planned.path, headers=dict(planned.headers), content=planned.body
            )
            if response.status_code not in planned.expected:
                raise BenchError(
                    f"preflight {scenario}: {response.status_code} {response.text[:300]}"
                )


def sample_memory(
    pids: dict[str, int], start_at: float, every: float, load: Future[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each process's RSS every ``every`` seconds from ``start_at`` until the load is done."""
    time.sleep(max(0.0, start_at - time.time()))
    samples = []
    while True:
        samples.append({"t": round(time.time() - start_at, 1), "rss_mb": rss_mb(pids)})
        if load.done():
            return samples
        wait_for([load], timeout=every)


def soak(plan: MixPlan, pids: dict[str, int], every: float) -> dict[str, Any]:
    """Run the load in its own process while this one samples memory."""
    spawn = get_context("spawn")
    with Sampler(pids, interval=1.0) as sampler, ProcessPoolExecutor(1, mp_context=spawn) as pool:
        future = pool.submit(run_mix, plan)
        samples = sample_memory(pids, plan.start_at, every, future)
        outcome = future.result()
    return outcome | {
        "memory_samples": samples,
        "peak_rss_mb": sampler.peak_rss_mb,
        "cpu_seconds": sampler.cpu_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limits = limits_of(args)
    settings = RunnerSettings()
    stamp, run_id, prefix, passwords, key, log_dir = new_run(args.results_dir)
    org = org_tree(args.employees, args.seed)
    head = cast(org).head
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    webhook_secret = generate_secret()
    seconds = args.minutes * 60
    result: dict[str, Any] = {
        "benchmark": "soak",
        "started_at": now.isoformat(),
        "parameters": {k: v if not isinstance(v, Path) else str(v) for k, v in vars(args).items()},
        "limits": asdict(limits),
        "mix": MIX,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average": os.getloadavg()},
    }  # fmt: skip
    code = 0
    began = time.perf_counter()
    with database_server(settings) as server:
        admin_url = with_database(server, f"kam_bench_{run_id}")
        ports = Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port())
        stack = Stack(host="127.0.0.1", log_dir=log_dir, ports=ports)
        try:
            asyncio.run(prepare_database(admin_url, prefix, passwords))
            result["load"] = asyncio.run(load(admin_url, org, args.accounts, now, args.seed))
            print(loaded_line(result["load"]), flush=True)
            env = process_env(admin_url, prefix, passwords, key, log_dir)
            env["CLIENTS_ERP_WEBHOOK_SECRETS"] = json.dumps([webhook_secret])
            stack.start(env)
            pids = {name: p.pid for name, p in stack.processes.items()}
            tokens = {
                name: "Bearer " + issue_token(
                    key, subject=f"user:{head.id}", lifetime_seconds=int(seconds) + 3600,
                    roles=frozenset(roles), employee_id=head.id, token_version=1,
                )
                for name, roles in (("head", {"dept_manager", "employee"}),
                                    ("admin", {"admin", "dept_manager", "employee"}))
            }  # fmt: skip
            gateway = stack.url("gateway")
            active = asyncio.run(active_accounts(admin_url))
            plan = MixPlan(
                gateway=gateway, authorization=tokens["head"],
                api_key=create_api_key(gateway, tokens["admin"]), webhook_secret=webhook_secret,
                accounts=args.accounts,
                active_accounts=tuple((a, credit_code(a)) for a in active),
                owners=tuple(org.account_holders), today=today.isoformat(),
                planned_on=(today + timedelta(days=20)).isoformat(), duplicates=args.duplicates,
                rate=args.rate, seconds=seconds, start_at=0.0, timeout_seconds=args.timeout,
                seed=args.seed,
            )  # fmt: skip
            warm = SoakMix(plan)
            preflight(warm)
            plan = replace(plan, start_at=time.time() + 3.0, payments_before=warm.last_payment)
            print(f"system up; soaking at {args.rate:g} req/s for {args.minutes:g} min; limits: "
                  f"p99 reads {limits.read_p99_ms:g} ms, writes {limits.write_p99_ms:g} ms, "
                  f"org chart {limits.org_chart_p99_ms:g} ms, errors < "
                  f"{limits.max_error_rate:.2%}, memory drift ≤ {limits.max_memory_drift:.0%}",
                  flush=True)  # fmt: skip
            outcome = soak(plan, pids, args.sample_seconds)
            stored, inbox = asyncio.run(count_stored(admin_url))
            distinct = outcome["payments"]["distinct"] + plan.payments_before
            webhook_errors = outcome["scenarios"].get(ERP_WEBHOOK, {}).get("errors", 0)
            integrity = {"stored": stored, "distinct": distinct, "inbox": inbox,
                         "passed": stored == distinct or webhook_errors > 0}  # fmt: skip
            scenarios = scenario_rows(outcome, limits)
            memory = memory_rows(outcome["memory_samples"], baseline_seconds(seconds), limits)
            result |= {"outcome": outcome, "scenarios": scenarios, "memory": memory,
                       "integrity": integrity}  # fmt: skip
            result["failures"] = failures(outcome, scenarios, memory, integrity, limits)
            code = 1 if result["failures"] else 0
            print_report(result, limits)
        except (BenchError, RuntimeError, OSError, httpx.HTTPError, asyncpg.PostgresError) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
            print(f"soak failed: {result['error']} (logs: {log_dir})", file=sys.stderr)
            code = 1
        finally:
            stack.stop()
            asyncio.run(drop_everything(admin_url, prefix))
    result["total_seconds"] = round(time.perf_counter() - began, 1)
    output = args.results_dir / f"soak-{stamp}-{args.minutes:g}m-{args.rate:g}rps.json"
    write_result(output, result)
    return code


def print_report(result: dict[str, Any], limits: Limits) -> None:
    print(f"\nSoak: {result['parameters']['accounts']:,} accounts, "
          f"{result['parameters']['employees']:,} employees, load average at start "
          f"{result['machine']['load_average'][0]:.1f}")  # fmt: skip
    print(scenario_table(result["scenarios"]))
    print(windows_line(result["outcome"]))
    print(generator_line(result["outcome"], limits))
    print(memory_table(result["memory"]))
    integrity, repeats = result["integrity"], result["outcome"]["payments"]["repeats"]
    print(f"ERP payments: {integrity['distinct']:,} distinct delivered, {repeats:,} repeats, "
          f"{integrity['stored']:,} stored")  # fmt: skip
    for failure in result["failures"]:
        print(f"FAILED: {failure}")
    print("soak " + ("FAILED" if result["failures"] else "passed"))


if __name__ == "__main__":
    sys.exit(main())

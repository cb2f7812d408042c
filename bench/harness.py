"""The harness the read-model benchmarks share (timeline, pipeline reports, inbox, my day).

Each of them: a fresh database on ``DATABASE_URL``'s server (or an embedded PostgreSQL),
migrated with its own roles; its data COPY-loaded (the benchmark's ``load``); the four real
processes with production settings (bench.kpi_cycle.process_env); its requests through the
gateway (the benchmark's ``drive``); a table on stdout, the run's JSON under
``bench/results/`` and its entry in ``latest.json`` (bench/results_summary.py). Exit code 1
when the system misbehaved (an error status, a wrong page); a slow p99 is reported, not an
error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.bulk import loaded_line
from bench.kpi_cycle import (
    RESULTS,
    RUN_FAILURES,
    database_server,
    drop_everything,
    failed,
    local_stack,
    new_run,
    process_env,
    write_result,
)
from bench.kpi_flow import BenchError
from bench.load import FIXED_GET, Load, Sampler, ensure_wrk, run_wrk
from bench.org import Person
from bench.results_summary import read_model_summary, record
from deploy.local_settings import RunnerSettings
from deploy.processes import Stack
from shared.auth.tokens import SigningKey, issue_token
from shared.bootstrap import prepare_database
from shared.dsn import with_database

Loaded = TypeVar("Loaded")
LoadData = Callable[[str, datetime], Coroutine[Any, Any, tuple[dict[str, Any], Loaded]]]
Drive = Callable[[Stack, SigningKey, Loaded], Coroutine[Any, Any, dict[str, Any]]]


def parser(prog: str, doc: str | None, *, under_load: bool = False) -> argparse.ArgumentParser:
    """The options every read-model benchmark has; each adds its own sizes. ``under_load``:
    it also measures with wrk (``--seconds`` per connection count)."""
    made = argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    made.add_argument("--accounts", type=int, default=20_000)
    if under_load:
        made.add_argument("--seconds", type=float, default=5, help="of wrk per measurement")
        made.add_argument("--connections", type=connection_counts, default=(1, 50),
                          help="wrk's connection counts, comma-separated (1,50)")  # fmt: skip
    made.add_argument("--employees", type=int, default=1000)
    made.add_argument("--requests", type=int, default=40, help="timed requests per scenario")
    made.add_argument("--quick", action="store_true", help="smaller data, fewer requests")
    made.add_argument("--results-dir", type=Path, default=RESULTS)
    made.add_argument("--seed", type=int, default=2026)
    return made


def parse(
    made: argparse.ArgumentParser, argv: list[str] | None, quick: Mapping[str, Any]
) -> argparse.Namespace:
    """The arguments, with ``quick``'s sizes when ``--quick`` is given."""
    args = made.parse_args(argv)
    if args.quick:
        for name, value in quick.items():
            setattr(args, name, value)
    return args


def bearer(key: SigningKey, person: Person) -> dict[str, str]:
    """Headers of ``person``'s requests: an access token with the claims staff's sign-in
    issues, signed with the key this run configures (no argon2 sign-in per benchmark)."""
    token = issue_token(
        key, subject=f"user:{person.id}", lifetime_seconds=3600, employee_id=person.id,
        roles=frozenset({person.role, "employee"}), token_version=1,
    )  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def connection_counts(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split(","))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def expect_ok(path: str, answer: httpx.Response) -> httpx.Response:
    if answer.status_code != 200:
        raise BenchError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
    return answer


async def timed(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], headers: dict[str, str],
    requests: int,
) -> tuple[dict[str, Any], httpx.Response]:  # fmt: skip
    """``requests`` sequential GETs after a warm-up: p50 / p99 / max and the last answer."""
    last = expect_ok(path, await client.get(path, params=params, headers=headers))
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        last = expect_ok(path, await client.get(path, params=params, headers=headers))
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "bytes": len(last.content),
    }, last


def under_load(
    url: str, headers: dict[str, str], connections: int, seconds: float, pids: dict[str, int]
) -> dict[str, Any]:
    """The same GET from wrk at ``connections`` for ``seconds``: req/s, p50, p99, and each
    process's CPU milliseconds per request (robust to a busy machine, unlike the times);
    any answer other than 2xx, or a socket error, is an error of the run."""
    missing = ensure_wrk()
    if missing is not None:
        raise RuntimeError(missing)
    with Sampler(pids) as sampler:
        run = run_wrk(Load(url, FIXED_GET, [headers["Authorization"]], connections), seconds)
    cpu_ms = {name: round(cpu * 1000 / max(1, run["requests"]), 2)
              for name, cpu in sampler.cpu_seconds.items()}  # fmt: skip
    if run["non_2xx"] or run["socket_errors"]:
        raise BenchError(f"{url} under {connections} connections: {run['non_2xx']} non-2xx, "
                         f"{run['socket_errors']} socket errors")  # fmt: skip
    measured = {k: run[k] for k in ("requests", "rps", "p50_ms", "p99_ms", "max_ms")}
    return {"connections": connections, **measured, "cpu_ms_per_request": cpu_ms}


async def checked_under_load(
    stack: Stack, client: httpx.AsyncClient, name: str, path: str, params: dict[str, Any],
    headers: dict[str, str], check: Callable[[Any], str | None], args: argparse.Namespace,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """One GET whose JSON ``check`` finds right (else it says what is wrong: an error of the
    run), then the same GET from wrk at each of ``args.connections`` for ``args.seconds``;
    a row per connection count."""
    answer = expect_ok(path, await client.get(path, params=params, headers=headers))
    wrong = check(answer.json())
    if wrong is not None:
        raise BenchError(f"{name}: {wrong}")
    url = str(answer.request.url)
    pids = {name: process.pid for name, process in stack.processes.items()}
    return {
        f"{name}, {n} conn.": under_load(url, headers, n, args.seconds, pids)
        | {"bytes": len(answer.content)}
        for n in args.connections
    }


def table(results: dict[str, Any]) -> str:
    """The scenario rows of ``results`` (sequential ones, and wrk's with connections)."""
    lines = [f"{'scenario':<50} {'conn.':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
             f"{'max ms':>8}  CPU ms per request"]  # fmt: skip
    for name, row in results.items():
        if name == "verified":
            continue
        rps = f"{row['rps']:>8,.0f}" if "rps" in row else f"{'':>8}"
        lines.append(f"{name:<50} {row.get('connections', 1):>5} {rps} {row['p50_ms']:>8.1f} "
                     f"{row['p99_ms']:>8.1f} {row['max_ms']:>8.1f}  {cpu(row)}")  # fmt: skip
    return "\n".join(lines)


def cpu(row: dict[str, Any]) -> str:
    """The processes' CPU per request that took any, e.g. ``gateway 0.6, clients 4.1``."""
    spent = row.get("cpu_ms_per_request", {})
    return ", ".join(f"{name} {ms:g}" for name, ms in spent.items() if ms >= 0.05)


def run(
    benchmark: str,
    args: argparse.Namespace,
    size: str,
    load: LoadData[Loaded],
    drive: Drive[Loaded],
    headline: Callable[[Loaded], str],
) -> int:
    """One whole run of a read-model benchmark; its exit code. ``size`` names the result
    file and the ``latest.json`` entry (``timeline-20000e``); ``headline`` says what was
    measured, above the table."""
    stamp, run_id, prefix, passwords, key, log_dir = new_run(args.results_dir)
    now = datetime.now(UTC)
    result: dict[str, Any] = {
        "benchmark": benchmark,
        "started_at": now.isoformat(),
        "parameters": {k: v for k, v in vars(args).items() if k != "results_dir"},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
    }  # fmt: skip
    code = 0
    with database_server(RunnerSettings()) as server:
        admin_url = with_database(server, f"kam_bench_{run_id}")
        stack = local_stack(log_dir)
        try:
            asyncio.run(prepare_database(admin_url, prefix, passwords))
            result["load"], loaded = asyncio.run(load(admin_url, now))
            print(loaded_line(result["load"]), flush=True)
            stack.start(process_env(admin_url, prefix, passwords, key, log_dir))
            result["scenarios"] = asyncio.run(drive(stack, key, loaded))
            print(f"\n{headline(loaded)}")
            print(table(result["scenarios"]))
        except RUN_FAILURES as exc:
            code = failed(result, exc, log_dir)
        finally:
            stack.stop()
            asyncio.run(drop_everything(admin_url, prefix))
    write_result(args.results_dir / f"{benchmark}-{stamp}-{size}.json", result)
    record(f"{benchmark}-{size}", read_model_summary(result, quick=args.quick), args.results_dir)
    return code

"""A quick per-replica throughput probe for deploy/README.md's capacity note.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python -m deploy.capacity_probe --seconds 10 --concurrency 16

Makes a fresh database on DATABASE_URL's server, starts the four processes (one uvicorn
worker each, gateway rate limit off), creates 200 accounts, then drives
``GET /v1/clients/accounts/{id}`` for ``--seconds`` with ``--concurrency`` requests in
flight, once straight at clients and once through the gateway, and prints requests per
second and latency percentiles. The load generator runs on the same machine, so the
numbers are a floor, not a ceiling. ``make bench`` (bench/) is the full benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid

import httpx

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import with_credentials, with_database


async def drive(
    url: str, headers: dict[str, str], ids: list[int], seconds: float, concurrency: int
) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) of GET-by-id against ``url``."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=10) as c:

        async def worker(n: int) -> None:
            nonlocal errors
            i = n
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await c.get(f"/v1/clients/accounts/{ids[i % len(ids)]}")
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200
                i += concurrency

        started = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.monotonic() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


def cpu_seconds(url: str) -> float:
    """CPU time the process at ``url`` has used (its /metrics), to cost each request."""
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("process_cpu_seconds_total "):
            return float(line.split()[1])
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.capacity_probe")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    database = with_database(server, f"kam_probe_{uuid.uuid4().hex[:8]}")
    asyncio.run(prepare_database(database))
    stack = Stack("127.0.0.1", Ports(free_port(), free_port(), free_port(), free_port()))
    # One administrator drives the load with a password: no second factor in a probe.
    env = {
        "KAM_LOG_LEVEL": "WARNING",
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "0",
        "STAFF_SECOND_FACTOR_ROLES": "[]",
    }
    try:
        stack.start(process_environment(database, env))
        password = "probe-password-2026"  # noqa: S105 - a throwaway database
        asyncio.run(create_admin(with_credentials(database, "kam_staff", None), "probe", password))
        gateway = stack.url("gateway")
        sign_in = {"username": "probe", "password": password}
        token = httpx.post(f"{gateway}/v1/auth/token", data=sign_in, timeout=10)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with httpx.Client(base_url=gateway, headers=headers, timeout=10) as client:
            person = {"employee_no": "P0001", "name": "压测", "hire_date": "2023-01-01"}
            owner = client.post("/v1/staff/employees", json=person).json()["id"]
            ids: list[int] = []
            while len(ids) < 200:
                account = {"legal_name": f"压测客户{len(ids)}有限公司", "owner_id": owner}
                created = client.post("/v1/clients/accounts", json=account)
                if created.status_code == 201:
                    ids.append(created.json()["id"])
                else:
                    time.sleep(0.2)  # the org event has not reached clients yet
        processes = {"clients": stack.url("clients"), "gateway": gateway}
        for name, url in (("clients direct", stack.url("clients")), ("via gateway", gateway)):
            before = {p: cpu_seconds(u) for p, u in processes.items()}
            result = asyncio.run(drive(url, headers, ids, args.seconds, args.concurrency))
            cost = {
                p: (cpu_seconds(u) - before[p]) / result["requests"] * 1000
                for p, u in processes.items()
            }
            sys.stdout.write(
                f"{name:15} {result['rps']:7.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                f"p99 {result['p99_ms']:6.1f} ms  ({result['requests']:.0f} requests, "
                f"{result['errors']:.0f} errors, concurrency {args.concurrency}); CPU per "
                f"request: clients {cost['clients']:.2f} ms, gateway {cost['gateway']:.2f} ms\n"
            )
    finally:
        stack.stop()
        asyncio.run(drop_database(database))
    return 0


if __name__ == "__main__":
    sys.exit(main())

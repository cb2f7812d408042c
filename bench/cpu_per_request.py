"""CPU of one service process per request, robust to a shared machine (issue 26).

Latency under wrk moves with whatever else the two cores run; the CPU seconds a process
spends on a fixed number of requests hardly do. Start the system on bench data, then:

    .venv/bin/python -m bench.scenarios --quick --hold      # prints the URLs, pids, a token
    .venv/bin/python -m bench.cpu_per_request --pid CLIENTS_PID --authorization "Bearer …" \\
        --url "$CLIENTS/v1/clients/accounts?owner_id=OWNER&grade=B&grade=C&limit=50" \\
        --url "$CLIENTS/v1/clients/accounts/{id}" --ids 100000

Each URL gets ``--warmup`` requests, then ``--requests`` (``--concurrency`` in flight); the
process's user + system CPU time (psutil) before and after gives ms of CPU per request,
less what the process spent idle at the same rate (``--idle-seconds`` before each URL: a
periodic job such as the SLA check runs at start-up).
``{id}`` in a URL is a random id from 1 to ``--ids``. Any answer but 200 stops the run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

import httpx
import psutil


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cpu_per_request",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pid", type=int, required=True, help="the process measured")
    parser.add_argument("--url", action="append", required=True, help="repeat for several")
    parser.add_argument("--authorization", default="", help="the Authorization header")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--ids", type=int, default=1000, help="{id} is random in 1..ids")
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    return parser.parse_args(argv)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def send(client: httpx.AsyncClient, url: str, count: int, args: argparse.Namespace) -> None:
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            target = url.replace("{id}", str(random.randint(1, args.ids)))
            response = await client.get(target)
            if response.status_code != 200:
                raise SystemExit(f"{target}: {response.status_code} {response.text[:300]}")

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))


async def measure(args: argparse.Namespace) -> list[tuple[str, float, float]]:
    process = psutil.Process(args.pid)
    headers = {"Authorization": args.authorization} if args.authorization else {}
    results = []
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        for url in args.url:
            await send(client, url, args.warmup, args)
            idle_started, idle_before = time.perf_counter(), cpu_seconds(process)
            await asyncio.sleep(args.idle_seconds)
            idle_rate = (cpu_seconds(process) - idle_before) / (time.perf_counter() - idle_started)
            started, before = time.perf_counter(), cpu_seconds(process)
            await send(client, url, args.requests, args)
            spent = cpu_seconds(process) - before - idle_rate * (time.perf_counter() - started)
            results.append((url, spent * 1000 / args.requests, idle_rate))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for url, ms, idle in asyncio.run(measure(args)):
        print(f"{ms:6.3f} ms CPU per request (idle {idle * 100:.0f} % subtracted)  {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

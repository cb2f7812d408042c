"""The committed summary of the latest benchmark runs: ``bench/results/latest.json``.

The full JSON of each run stays under ``bench/results/`` (ignored by git); this summary is
committed with each speed change, so the history shows the trend: per benchmark (``scenarios``,
``kpi_cycle``) its scenario table, the targets as ratios, memory, the machine and the commit.
A run that failed or was cut short (``--quick``) is summarised too, marked as such, so a
reader never takes a smoke run for a measurement.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"
ROW_FIELDS = ("group", "scenario", "rps", "p50_ms", "p99_ms", "errors", "cpu_ms_per_request")
"""``cpu_ms_per_request``: each process's CPU per request (ms), where the run measured it."""


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        memory_gib = round(int(first[1]) / 2**20, 1)
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def commit(repository: Path | None = None) -> dict[str, Any]:
    """The commit measured, and whether the tree had changes on top of it."""
    where = repository or Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"sha": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def scenarios_summary(result: dict[str, Any], *, quick: bool) -> dict[str, Any]:
    """The part of a ``bench.scenarios`` result a later reader compares."""
    rows = [{k: row.get(k) for k in ROW_FIELDS if k in row} for row in result.get("rows", [])]
    return {
        "quick": quick,
        "error": result.get("error"),
        "failures": result.get("failures", []),
        "parameters": result.get("parameters"),
        "rows": rows,
        "targets": result.get("targets", []),
        "handover": result.get("handover"),
        "erp_burst_seconds": next(
            (r["burst_seconds"] for r in result.get("rows", []) if "burst_seconds" in r), None
        ),
        "sign_in_under_attack": _attack(result.get("sign_in_under_attack")),
        "rss_idle_mb": result.get("memory_idle_mb"),
        "rss_peak_mb": result.get("memory_peak_under_load_mb"),
        "total_seconds": result.get("total_seconds"),
    }


def kpi_cycle_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a ``bench.kpi_cycle`` result a later reader compares."""
    return {
        "error": result.get("error"),
        "parameters": result.get("parameters"),
        "phases": result.get("phases", []),
        "rss_idle": result.get("memory_idle"),
        "rss_after": result.get("memory_after"),
    }


def read_model_summary(result: dict[str, Any], *, quick: bool) -> dict[str, Any]:
    """The part of a read-model benchmark's result (bench/harness.py) a later reader
    compares: its scenario rows as they are (p50, p99, and req/s where wrk measured)."""
    return {
        "quick": quick,
        "error": result.get("error"),
        "parameters": result.get("parameters"),
        "scenarios": result.get("scenarios"),
    }


def _attack(attacked: dict[str, Any] | None) -> dict[str, Any] | None:
    if not attacked:
        return None
    correct = attacked.get("correct", {})
    return {
        "rate": attacked.get("rate"),
        "seconds": attacked.get("seconds"),
        "correct_p50_ms": correct.get("p50_ms"),
        "correct_p99_ms": correct.get("p99_ms"),
        "cpu_seconds": attacked.get("cpu_seconds"),
        "met": attacked.get("met"),
    }


def record(benchmark: str, summary: dict[str, Any], results_dir: Path) -> Path:
    """Put ``summary`` under ``benchmark`` in ``results_dir/latest.json`` (the committed
    ``bench/results/latest.json`` for a run with the default results folder), keeping the
    other benchmarks' entries."""
    path = results_dir / LATEST.name
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except json.JSONDecodeError:
            current = {}
    current[benchmark] = summary | {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": commit(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    print(f"summary in {path} (commit it with the change it measures)")
    return path

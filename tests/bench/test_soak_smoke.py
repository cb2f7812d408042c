"""The soak on tiny data for 30 seconds at a low rate, so it cannot rot and CI has a short
version: the command exits 0, every scenario was sent, none failed. Latency and memory
limits are wide here (DESIGN.md: CI gates on errors and integrity, on time only with wide
margins); ``make soak`` holds the real ones."""

from pathlib import Path

import pytest

from bench.soak_mix import MIX
from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_a_short_soak_passes_on_tiny_data(tmp_path: Path, test_settings: TestSettings) -> None:
    _, result = run_benchmark(
        "bench.soak",
        ["--minutes", "0.5", "--rate", "8",
         "--accounts", "300", "--employees", "30", "--sample-seconds", "2",
         "--read-p99-ms", "3000", "--write-p99-ms", "3000", "--org-chart-p99-ms", "5000",
         "--max-memory-drift", "0.25", "--max-send-lag-ms", "500"],
        test_settings, tmp_path, "soak-*-0.5m-8rps.json", timeout=240,
    )  # fmt: skip
    assert result["failures"] == []
    scenarios = {row["scenario"]: row for row in result["scenarios"]}
    assert set(scenarios) == set(MIX)
    for name, row in scenarios.items():
        assert row["requests"] > 0, name
        assert row["errors"] == 0 and row["error_rate"] == 0, (name, row["errors_by_kind"])
    assert sum(row["requests"] for row in scenarios.values()) == 240
    assert result["integrity"]["stored"] == result["integrity"]["distinct"] > 0
    assert {row["process"] for row in result["memory"]} == {"clients", "staff", "kpi", "gateway"}

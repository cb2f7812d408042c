"""The KPI cycle benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load, the real processes, the whole cycle through the gateway) and
writes its JSON. Times are not checked here (``make bench`` reports them); integrity is."""

import json
from pathlib import Path

import pytest

from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e

PHASES = [
    "create cycle", "collect actuals", "list appraisals", "self-assessments",
    "manager reviews (score each)", "collect again (rescore all)",
    "calibration (overview + locks)", "close cycle",
]  # fmt: skip


def test_the_benchmark_runs_a_whole_cycle_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    stdout, result = run_benchmark(
        "bench.kpi_cycle",
        ["--employees", "20", "--accounts", "200",
         "--concurrency", "4"],
        test_settings, tmp_path, "kpi_cycle-*-20e-200a.json",
    )  # fmt: skip
    assert "KPI cycle: 20 employees × 8 automatic indicators" in stdout
    assert result["load"]["rows"]["clients.accounts"] == 200
    assert result["load"]["rows"]["kpi.org_employees"] == 21  # and the VP above them
    assert [phase["name"] for phase in result["phases"]] == PHASES
    collected = result["phases"][1]["detail"]
    assert collected["appraisals"] == 20 and collected["items_updated"] > 0
    assert collected["metrics_missing"] == []
    assert result["verified"]["appraisals"] == 20 == result["verified"]["final_grades"]
    assert sum(result["verified"]["grades"].values()) == 20
    assert set(result["memory_after"]) == {"clients", "staff", "kpi", "gateway"}
    summary = json.loads((tmp_path / "latest.json").read_text())["kpi_cycle-20e-200a"]
    assert summary["phases"] == result["phases"] and summary["machine"]["cores"]

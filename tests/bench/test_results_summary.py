"""The committed benchmark summary keeps each benchmark's latest run side by side."""

from __future__ import annotations

import json
from pathlib import Path

from bench.results_summary import record, scenarios_summary


def test_a_run_replaces_its_own_entry_and_keeps_the_others(tmp_path: Path) -> None:
    record("kpi_cycle-1000e-100000a", {"phases": [{"name": "close cycle"}]}, tmp_path)
    first = {"rows": [{"group": "g", "scenario": "s", "rps": 10.0, "extra": 1}], "targets": []}
    record("scenarios-100000a", scenarios_summary(first, quick=False), tmp_path)
    second = {"rows": [{"group": "g", "scenario": "s", "rps": 20.0}], "error": "boom"}
    record("scenarios-100000a", scenarios_summary(second, quick=True), tmp_path)

    latest = json.loads((tmp_path / "latest.json").read_text())
    assert set(latest) == {"kpi_cycle-1000e-100000a", "scenarios-100000a"}
    entry = latest["scenarios-100000a"]
    assert entry["rows"] == [{"group": "g", "scenario": "s", "rps": 20.0}]
    assert entry["quick"] is True and entry["error"] == "boom"
    assert entry["commit"]["sha"] and len(entry["commit"]["sha"]) == 40
    assert entry["machine"]["cores"] >= 1
    assert latest["kpi_cycle-1000e-100000a"]["phases"] == [{"name": "close cycle"}]

"""The scenario benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load with the history, contacts and the big book, the real
processes, the second gateway and the floor app, every scenario under wrk, the ERP
ingest and the handover) and writes its JSON. Times are not checked (``make bench``
reports them); integrity is: no error answers, the distinct payments stored exactly,
every account handed over."""

import json
from pathlib import Path

import pytest

from bench.load import ensure_wrk
from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e

SCENARIOS = {
    "get account by id, 8 conn.": ["floor app (raw asyncpg)", "clients direct",
                                    "gateway (aiohttp)", "gateway (httpx)"],
    "get account by id, 1 conn.": ["floor app (raw asyncpg)", "clients direct",
                                   "gateway (aiohttp)", "gateway (httpx)"],
    "list accounts (owner + grade, 50)": ["page 1", "deep cursor"],
    "create a visit": ["gateway"],
    "org chart (1,000 employees)": ["gateway"],
    "ERP webhook ingest (signed, 10% duplicates)": ["gateway"],
}  # fmt: skip


def test_every_scenario_runs_on_tiny_data(tmp_path: Path, test_settings: TestSettings) -> None:
    problem = ensure_wrk()  # installed from Debian's packages like the rest of the suite's tools
    assert problem is None, problem
    # Runs of 4 s: under the rest of the suite's load, 16 visit creations could all still be
    # waiting at the end of a 2 s run (none answered).
    _, result = run_benchmark(
        "bench.scenarios",
        ["--accounts", "600", "--employees", "30",
         "--contacts", "900", "--visits", "3000", "--invoices", "800", "--handover", "100",
         "--deliveries", "400", "--seconds", "4", "--runs", "1", "--warmup", "1",
         "--connections", "8", "--attack-rate", "50", "--attack-seconds", "2"],
        test_settings, tmp_path, "scenarios-*-600a.json", timeout=400,
    )  # fmt: skip
    assert result["failures"] == []
    rows = result["load"]["rows"]
    assert rows["clients.accounts"] == 600 and rows["clients.contacts"] == 900
    assert rows["clients.visits"] == 3000 and rows["clients.invoices"] == 800
    seen: dict[str, list[str]] = {}
    for row in result["rows"]:
        seen.setdefault(row["group"], []).append(row["scenario"])
        assert row["requests"] > 0, row["group"]
    assert seen == SCENARIOS
    ingest = result["rows"][-1]
    assert ingest["deliveries"] >= 400
    assert ingest["payments_stored"] == ingest["distinct_payments"] == 360
    assert ingest["burst_seconds"] > 0 and summary_burst(tmp_path) == ingest["burst_seconds"]
    attacked = result["sign_in_under_attack"]
    summary = json.loads((tmp_path / "latest.json").read_text())["scenarios-600a"]
    assert summary["rows"] == [
        {k: row[k] for k in ("group", "scenario", "rps", "p50_ms", "p99_ms", "errors",
                             "cpu_ms_per_request") if k in row}
        for row in result["rows"]
    ]  # fmt: skip
    by_id = next(r for r in result["rows"] if r["scenario"] == "gateway (aiohttp)")
    assert by_id["front"] == "gateway"
    assert by_id["cpu_ms_per_request"]["gateway"] > 0 and by_id["cpu_ms_per_request"]["clients"] > 0
    assert summary["targets"] == result["targets"] and summary["commit"]["sha"]
    assert attacked["correct"]["requests"] == 4 and attacked["correct"]["errors"] == 0
    assert attacked["bad"]["requests"] == 100
    assert set(attacked["bad"]["statuses"]) <= {"401", "429", "timeout"}
    assert set(attacked["cpu_seconds"]) == {"staff", "gateway"}
    handover = result["handover"]
    assert handover["status"] == "completed" and handover["left_with_leaver"] == 0
    assert handover["moved_to_successor"] == handover["accounts"] >= 100
    assert {t["target"] for t in result["targets"]} >= {
        "gateway ≥ 0.8 × direct (get by id, 50 conn.)",
        "ERP ingest ≥ 0.5 × get-by-id (gateway, 50 conn.)",
        "gateway CPU per proxied get (50 conn.), ms",
        "27,000-payment burst applied, s",
    }
    assert set(result["memory_peak_under_load_mb"]) == {
        "clients", "staff", "kpi", "gateway", "gateway_httpx", "floor",
    }  # fmt: skip


def summary_burst(results: Path) -> float:
    return float(
        json.loads((results / "latest.json").read_text())["scenarios-600a"]["erp_burst_seconds"]
    )

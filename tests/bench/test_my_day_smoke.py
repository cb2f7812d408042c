"""The "my day" benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load, the real processes, the account manager's day through the
gateway, every count and list checked against the loaded rows, then wrk) and writes its
JSON. Times are not checked here."""

import json
from pathlib import Path

import pytest

from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_my_day_benchmark_runs_and_checks_the_day_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    stdout, result = run_benchmark(
        "bench.my_day",
        ["--held", "100", "--accounts", "100",
         "--employees", "20", "--seconds", "1", "--connections", "1,4"],
        test_settings, tmp_path, "my_day-*-100h.json",
    )  # fmt: skip
    assert "my day of an account manager with 100 accounts" in stdout
    assert result["scenarios"]["verified"]["renewals"] > 0
    assert result["scenarios"]["my day, 50 per list, 4 conn."]["requests"] > 0
    assert "my_day-100h" in json.loads((tmp_path / "latest.json").read_text())

"""The timeline benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load, the real processes, the pages through the gateway, each
checked against the loaded rows' order) and writes its JSON. Times are not checked here."""

from pathlib import Path

import pytest

from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_timeline_benchmark_runs_and_checks_its_pages_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    stdout, result = run_benchmark(
        "bench.timeline",
        ["--entries", "120", "--accounts", "100",
         "--employees", "20", "--requests", "2"],
        test_settings, tmp_path, "timeline-*-120e.json",
    )  # fmt: skip
    assert "account timeline: 1,200 entries on one account" in stdout
    assert result["scenarios"]["verified"] == {"entries": 1200, "pages_checked": 3}
    assert result["load"]["rows"]["clients.notes (busy account)"] == 120

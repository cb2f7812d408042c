"""The inbox benchmark on tiny data, so it cannot rot: the command runs end to end (fresh
database, COPY load, the real processes, the team lead's pages through the gateway, each
checked against the loaded rows, then wrk) and writes its JSON. Times are not checked here."""

import json
from pathlib import Path

import pytest

from tests.bench.runs import run_benchmark
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_inbox_benchmark_runs_and_checks_its_pages_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    stdout, result = run_benchmark(
        "bench.inbox",
        ["--employees", "20", "--items", "5",
         "--own-open", "60", "--absent-open", "20", "--seconds", "1", "--connections",
         "1,4"],
        test_settings, tmp_path, "inbox-*-20p.json",
    )  # fmt: skip
    assert "work inbox of a team lead standing in for 3" in stdout
    assert result["scenarios"]["verified"]["pages_checked"] == 2
    assert result["scenarios"]["inbox, page 90 % down, 4 conn."]["requests"] > 0
    assert "inbox-20p" in json.loads((tmp_path / "latest.json").read_text())

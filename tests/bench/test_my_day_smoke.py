"""The "my day" benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load, the real processes, the account manager's day through the
gateway, every count and list checked against the loaded rows, then wrk) and writes its
JSON. Times are not checked here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_my_day_benchmark_runs_and_checks_the_day_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    command = [sys.executable, "-m", "bench.my_day", "--held", "100", "--accounts", "100",
               "--employees", "20", "--seconds", "1", "--connections", "1,4",
               "--results-dir", str(tmp_path)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": test_settings.database_url}
    done = subprocess.run(
        command, cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "my day of an account manager with 100 accounts" in done.stdout
    (written,) = tmp_path.glob("my_day-*-100h.json")
    result = json.loads(written.read_text())
    assert "error" not in result
    assert result["scenarios"]["verified"]["renewals"] > 0
    assert result["scenarios"]["my day, 50 per list, 4 conn."]["requests"] > 0
    assert "my_day-100h" in json.loads((tmp_path / "latest.json").read_text())

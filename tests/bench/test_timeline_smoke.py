"""The timeline benchmark on tiny data, so it cannot rot: the command runs end to end
(fresh database, COPY load, the real processes, the pages through the gateway, each
checked against the loaded rows' order) and writes its JSON. Times are not checked here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_timeline_benchmark_runs_and_checks_its_pages_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    command = [sys.executable, "-m", "bench.timeline", "--entries", "120", "--accounts", "100",
               "--employees", "20", "--requests", "2", "--results-dir", str(tmp_path)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": test_settings.database_url}
    done = subprocess.run(
        command, cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "account timeline: 1,200 entries on one account" in done.stdout
    (written,) = tmp_path.glob("timeline-*-120e.json")
    result = json.loads(written.read_text())
    assert "error" not in result
    assert result["scenarios"]["verified"] == {"entries": 1200, "pages_checked": 3}
    assert result["load"]["rows"]["clients.notes (busy account)"] == 120

"""The inbox benchmark on tiny data, so it cannot rot: the command runs end to end (fresh
database, COPY load, the real processes, the team lead's pages through the gateway, each
checked against the loaded rows, then wrk) and writes its JSON. Times are not checked here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.settings import TestSettings

pytestmark = pytest.mark.e2e


def test_the_inbox_benchmark_runs_and_checks_its_pages_on_tiny_data(
    tmp_path: Path, test_settings: TestSettings
) -> None:
    command = [sys.executable, "-m", "bench.inbox", "--employees", "20", "--items", "5",
               "--own-open", "60", "--absent-open", "20", "--seconds", "1", "--connections",
               "1,4", "--results-dir", str(tmp_path)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": test_settings.database_url}
    done = subprocess.run(
        command, cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "work inbox of a team lead standing in for 3" in done.stdout
    (written,) = tmp_path.glob("inbox-*-20p.json")
    result = json.loads(written.read_text())
    assert "error" not in result
    assert result["scenarios"]["verified"]["pages_checked"] == 2
    assert result["scenarios"]["inbox, page 90 % down, 4 conn."]["requests"] > 0
    assert "inbox-20p" in json.loads((tmp_path / "latest.json").read_text())

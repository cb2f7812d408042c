"""Running a benchmark command on tiny data in the suite, as the smoke tests do."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.settings import TestSettings

REPOSITORY = Path(__file__).parents[2]


def run_benchmark(
    module: str,
    arguments: list[str],
    settings: TestSettings,
    results_dir: Path,
    written: str,
    *,
    timeout: float = 300,
) -> tuple[str, dict[str, Any]]:
    """Run ``python -m module arguments`` against the suite's database, require exit 0 and
    one result file matching ``written`` without an error; its stdout and that result."""
    command = [sys.executable, "-m", module, *arguments, "--results-dir", str(results_dir)]
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": settings.database_url}
    done = subprocess.run(
        command, cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (path,) = results_dir.glob(written)
    result: dict[str, Any] = json.loads(path.read_text())
    assert "error" not in result
    return done.stdout, result

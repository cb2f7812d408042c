"""Start the three services and the gateway as separate local processes, and stop them.

Used by ``make run`` and by the end-to-end tests, so both run the system the same way.
In demo mode ``make run`` also starts the fake ERP (:meth:`Stack.start_fake_erp`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

APPS = {
    "clients": "services.clients.app:create_app",
    "staff": "services.staff.app:create_app",
    "kpi": "services.kpi.app:create_app",
    "gateway": "gateway.app:create_app",
}
START_ORDER = ("staff", "clients", "kpi", "gateway")
FAKE_ERP = "fake_erp"
SMTP_SINK = "smtp_sink"


@dataclass
class Ports:
    """Where each process listens."""

    gateway: int = 8000
    clients: int = 8001
    staff: int = 8002
    kpi: int = 8003
    fake_erp: int = 8009
    smtp_sink: int = 8026
    smtp: int = 8025

    def of(self, name: str) -> int:
        return int(getattr(self, name))


@dataclass
class Stack:
    """The running processes of one system."""

    host: str
    ports: Ports
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports.of(name)}"

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        env = dict(base)
        for name in ("clients", "staff", "kpi"):
            env[f"GATEWAY_{name.upper()}_URL"] = self.url(name)
            env[f"{name.upper()}_PORT"] = str(self.ports.of(name))
        env["GATEWAY_PORT"] = str(self.ports.gateway)
        env["CLIENTS_STAFF_URL"] = self.url("staff")
        env["CLIENTS_KPI_URL"] = self.url("kpi")
        env["KPI_CLIENTS_URL"] = self.url("clients")
        env["KPI_STAFF_URL"] = self.url("staff")
        env["STAFF_CLIENTS_URL"] = self.url("clients")
        env["STAFF_KPI_URL"] = self.url("kpi")
        return env

    def start_process(
        self, name: str, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start (or restart) one process, with the stack's environment unless given one."""
        env = self.env if env is None else env
        command = [
            sys.executable, "-m", "deploy.serve", name,
            "--host", self.host, "--port", str(self.ports.of(name)),
        ]  # fmt: skip
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            command, env=self.environment(env), stdout=output, stderr=output
        )
        self.processes[name] = process
        return process

    def start_fake_erp(self, env: Mapping[str, str], timeout: float = 30) -> None:
        """Start the fake ERP (a test double of the finance system; demo mode only) with
        ``FAKE_ERP_`` settings from ``env``, and wait until it answers."""
        command = [
            sys.executable, "-m", "deploy.fake_erp",
            "--host", self.host, "--port", str(self.ports.fake_erp),
        ]  # fmt: skip
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{FAKE_ERP}.log").open("ab")
        self.processes[FAKE_ERP] = subprocess.Popen(  # noqa: S603 - our own module
            command, env=dict(env), stdout=output, stderr=output
        )
        self.wait_ready(FAKE_ERP, timeout, path="/healthz")

    def start_smtp_sink(self, timeout: float = 30) -> None:
        """Start the demo SMTP sink (SMTP on ``ports.smtp``, its mails over HTTP on
        ``ports.smtp_sink``: ``GET /mails``) and wait until it answers."""
        command = [
            sys.executable, "-m", "deploy.smtp_sink", "--host", self.host,
            "--port", str(self.ports.smtp_sink), "--smtp-port", str(self.ports.smtp),
        ]  # fmt: skip
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{SMTP_SINK}.log").open("ab")
        self.processes[SMTP_SINK] = subprocess.Popen(  # noqa: S603 - our own module
            command, stdout=output, stderr=output
        )
        self.wait_ready(SMTP_SINK, timeout, path="/healthz")

    def start(self, env: Mapping[str, str], timeout: float = 60) -> None:
        """Start every process and wait until each answers its readiness probe."""
        self.env = dict(env)
        for name in START_ORDER:
            self.start_process(name, env)
        for name in START_ORDER:
            self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float = 60, path: str = "/readyz") -> None:
        """Poll ``/readyz`` (or ``path``) of one process until it says ready."""
        deadline = time.monotonic() + timeout
        url = f"{self.url(name)}{path}"
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} was not ready within {timeout:g} s ({url})")

    def stop_process(self, name: str, *, kill: bool = False) -> None:
        """Stop one process (SIGTERM, or SIGKILL to simulate a crash)."""
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Stop everything, the fake ERP (when started) and the gateway first, the demo SMTP
        sink last (staff may still be sending)."""
        for name in (FAKE_ERP, *reversed(START_ORDER), SMTP_SINK):
            self.stop_process(name)


def process_environment(admin_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every process gets: ours plus the database and any extras."""
    env = dict(os.environ)
    env["DATABASE_URL"] = admin_url
    env.update(extra or {})
    return env

"""The load generator: Debian's ``wrk`` (C, epoll, its own process), driven by Lua.

``ensure_wrk`` installs it with apt-get when it is missing and we may (root, apt-get
present), like deploy/browser.py installs chromium. Each load is a Lua script made of a
scenario part (which request to send next: random ids, POST bodies, signed webhook
deliveries read from a file) and one reporter that prints wrk's summary and latency
percentiles as one JSON line. ``Sampler`` follows each process's resident memory and CPU
time while a load runs (psutil).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

WRK = "wrk"
MARKER = "WRKJSON "
ALL_DONE = "ALLDONE"

# Stop once LIMIT answers to webhook deliveries came back (a fixed amount of work rather
# than a duration), or once FILLER other answers did (GET /healthz after the last delivery:
# a delivery wrk dropped never gets an answer; the caller re-sends what is missing).
STOP_AFTER = r"""
local answered, filler = 0, 0
response = function(status, headers, body)
  if string.find(body, '"webhook_id"', 1, true) then
    answered = answered + 1
  else
    filler = filler + 1
  end
  if answered == LIMIT or filler == FILLER then
    wrk.thread:stop()
    io.write("ALLDONE\n")
    io.flush()
  end
end
"""

REPORTER = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max))
end
"""

# The next request: a random id in [1, max] appended to a path prefix.
RANDOM_ID = r"""
local prefix, max_id, auth
init = function(args)
  prefix, max_id, auth = args[1], tonumber(args[2]), args[3]
  math.randomseed(os.time())
end
request = function()
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", prefix .. math.random(1, max_id), headers)
end
"""

# The same GET every time (the URL given to wrk), with an Authorization header.
FIXED_GET = r"""
local auth
init = function(args) auth = args[1] end
request = function()
  return wrk.format("GET", nil, {["Authorization"] = auth})
end
"""

# POST a visit to a random account of [1, max].
CREATE_VISIT = r"""
local max_id, auth, body
init = function(args)
  max_id, auth, body = tonumber(args[1]), args[2], args[3]
  math.randomseed(os.time())
end
request = function()
  local headers = {["Authorization"] = auth, ["Content-Type"] = "application/json"}
  local path = "/v1/clients/accounts/" .. math.random(1, max_id) .. "/visits"
  return wrk.format("POST", path, headers, body)
end
"""

# Signed deliveries read from a file (id, timestamp, signature, body; tab-separated), each
# sent once, in order; past the end, while the last answers come back, only GET /healthz.
WEBHOOKS = r"""
local deliveries, key, n = {}, nil, 0
init = function(args)
  key = args[2]
  for line in io.lines(args[1]) do
    local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    deliveries[#deliveries + 1] = {id, ts, sig, body}
  end
end
request = function()
  if n >= #deliveries then return wrk.format("GET", "/healthz") end
  n = n + 1
  local d = deliveries[n]
  local headers = {["X-API-Key"] = key, ["Content-Type"] = "application/json",
                   ["webhook-id"] = d[1], ["webhook-timestamp"] = d[2],
                   ["webhook-signature"] = d[3]}
  return wrk.format("POST", "/v1/clients/erp/webhooks", headers, d[4])
end
"""


def ensure_wrk() -> str | None:
    """Install wrk with apt-get when it is missing; None when ready, else why not."""
    if shutil.which(WRK):
        return None
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        return "wrk is missing: install Debian's wrk package (apt-get install wrk)"
    sys.stderr.write("installing wrk for the benchmark (apt-get)\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", WRK]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None if shutil.which(WRK) else "wrk still missing after apt-get install"


@dataclass
class Load:
    """One wrk invocation: a URL, a Lua scenario with its arguments, connections."""

    url: str
    script: str
    args: Sequence[str] = ()
    connections: int = 50
    threads: int = 1


@dataclass
class Sampler:
    """Peak RSS (MB) and CPU seconds of each process while a load runs."""

    pids: Mapping[str, int]
    interval: float = 0.2
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _processes: dict[str, psutil.Process] = field(default_factory=dict)
    _cpu_start: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Sampler:
        for name, pid in self.pids.items():
            try:
                process = psutil.Process(pid)
                self._processes[name] = process
                times = process.cpu_times()
                self._cpu_start[name] = times.user + times.system
            except psutil.Error:
                continue
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        for name, process in self._processes.items():
            try:
                rss = process.memory_info().rss / 2**20
            except psutil.Error:
                continue
            self.peak_rss_mb[name] = round(max(self.peak_rss_mb.get(name, 0.0), rss), 1)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        for name, process in self._processes.items():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.cpu_seconds[name] = round(times.user + times.system - self._cpu_start[name], 2)


def rss_mb(pids: Mapping[str, int]) -> dict[str, float]:
    """Each process's resident memory now (MB)."""
    memory: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            memory[name] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)
        except psutil.Error:
            continue
    return memory


def run_wrk(load: Load, seconds: float, timeout_seconds: float = 10) -> dict[str, Any]:
    """Run one load for ``seconds`` (or until its script prints ``ALLDONE``: then wrk is
    interrupted and reports the time until then); wrk's numbers (ms, requests/s)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(load.script + REPORTER)
    try:
        command = [
            WRK, "-t", str(load.threads), "-c", str(load.connections),
            "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_seconds:g}s",
            "-s", script.name, load.url, "--", *load.args,
        ]  # fmt: skip
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as wrk:
            assert wrk.stdout is not None
            lines = []
            for out in wrk.stdout:
                lines.append(out)
                if out.startswith(ALL_DONE):
                    wrk.send_signal(signal.SIGINT)  # wrk stops and reports, as after -d
            stderr = wrk.stderr.read() if wrk.stderr else ""
            returncode = wrk.wait(timeout=60)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in lines if x.startswith(MARKER)), None)
    if returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({returncode}): {stderr[-500:]}")
    raw = json.loads(line[len(MARKER) :])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 3),
        "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["status_errors"],
        "socket_errors": errors,
    }


def medians(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The median of each number over the runs (plus the runs' total requests)."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "mean_ms")
    summary: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 3) for k in keys}
    summary["requests"] = sum(r["requests"] for r in runs)
    summary["non_2xx"] = sum(r["non_2xx"] for r in runs)
    summary["socket_errors"] = sum(r["socket_errors"] for r in runs)
    return summary

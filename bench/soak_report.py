"""The soak's thresholds and its tables: what passed, what failed, and by how much.

Thresholds (issue 10): the error rate under ``max_error_rate``, overall and for every
scenario; each scenario's p99 under its limit (absolute: issue 9's targets are ratios, a
soak needs a number; reads, writes and the org chart, one document of the whole
department, have their own); each process's resident memory at the end within
``max_memory_drift`` of what it was at the baseline (minute 1, or 20 % into a shorter
run), either way; and the load itself honest: the generator kept its rate and
its schedule, and the deliveries stored are exactly the distinct ones sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.soak_mix import MIX, ORG_CHART, WRITES

Row = dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """The thresholds of one run."""

    read_p99_ms: float
    write_p99_ms: float
    org_chart_p99_ms: float
    max_error_rate: float
    max_memory_drift: float
    min_rate_share: float
    max_send_lag_ms: float

    def p99_ms(self, scenario: str) -> float:
        if scenario == ORG_CHART:
            return self.org_chart_p99_ms
        return self.write_p99_ms if scenario in WRITES else self.read_p99_ms


def scenario_rows(load: dict[str, Any], limits: Limits) -> list[Row]:
    rows = []
    for name in MIX:
        s = load["scenarios"].get(name)
        if s is None:
            continue
        limit = limits.p99_ms(name)
        passed = s["error_rate"] < limits.max_error_rate and s["p99_ms"] <= limit
        rows.append({"scenario": name, **s, "p99_limit_ms": limit, "passed": passed})
    return rows


def memory_rows(samples: list[Row], baseline_seconds: float, limits: Limits) -> list[Row]:
    """Each process: RSS at the first sample from ``baseline_seconds`` on, and at the last."""
    baseline = next((s for s in samples if s["t"] >= baseline_seconds), samples[-1])
    end = samples[-1]
    rows = []
    for name in end["rss_mb"]:
        start_mb = baseline["rss_mb"].get(name, 0.0)
        drift = (end["rss_mb"][name] - start_mb) / start_mb if start_mb else 0.0
        rows.append({"process": name, "baseline_t": baseline["t"], "baseline_mb": start_mb,
                     "end_t": end["t"], "end_mb": end["rss_mb"][name], "drift": round(drift, 4),
                     "passed": abs(drift) <= limits.max_memory_drift})  # fmt: skip
    return rows


def failures(
    load: dict[str, Any], scenarios: list[Row], memory: list[Row], integrity: Row, limits: Limits
) -> list[str]:
    """Every threshold that failed, in words (empty: the soak passed)."""
    out = [f"{name}: no requests" for name in MIX if name not in load["scenarios"]]
    total = sum(s["requests"] for s in scenarios)
    errors = sum(s["errors"] for s in scenarios)
    if not total or errors / total >= limits.max_error_rate:
        out.append(f"error rate {errors}/{total} not under {limits.max_error_rate:.2%}")
    out += [
        f"{r['scenario']}: {r['errors']} errors {r['errors_by_kind']}, "
        f"p99 {r['p99_ms']:.0f} ms (limit {r['p99_limit_ms']:.0f} ms)"
        for r in scenarios
        if not r["passed"]
    ]
    out += [
        f"{r['process']}: RSS {r['baseline_mb']:.0f} → {r['end_mb']:.0f} MB ({r['drift']:+.1%})"
        for r in memory
        if not r["passed"]
    ]
    if load["achieved_rate"] < limits.min_rate_share * load["target_rate"]:
        out.append(f"the generator fell behind: {load['achieved_rate']} of "
                   f"{load['target_rate']} req/s")  # fmt: skip
    if load["send_lag_p99_ms"] > limits.max_send_lag_ms:
        out.append(f"the generator sent late: p99 {load['send_lag_p99_ms']:.0f} ms after due "
                   f"(limit {limits.max_send_lag_ms:.0f} ms)")  # fmt: skip
    if not integrity["passed"]:
        out.append(f"ERP payments: {integrity['stored']} stored, {integrity['distinct']} "
                   f"distinct delivered; inbox {integrity['inbox']}")  # fmt: skip
    return out


def scenario_table(rows: list[Row]) -> str:
    head = (f"{'scenario':<38}{'requests':>9}{'req/s':>8}{'errors':>8}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'limit':>8}  result")  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['scenario']:<38}{r['requests']:>9}{r['rate']:>8.1f}{r['errors']:>8}"
                     f"{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['p99_limit_ms']:>8.0f}  "
                     f"{'pass' if r['passed'] else 'FAIL'}")  # fmt: skip
    return "\n".join(lines)


def memory_table(rows: list[Row]) -> str:
    head = f"{'process':<12}{'RSS at baseline':>18}{'RSS at end':>14}{'drift':>9}  result"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['process']:<12}{r['baseline_mb']:>11.1f} MB @{r['baseline_t']:>3.0f}s"
                     f"{r['end_mb']:>11.1f} MB{r['drift']:>+9.1%}  "
                     f"{'pass' if r['passed'] else 'FAIL'}")  # fmt: skip
    return "\n".join(lines)


def generator_line(load: dict[str, Any], limits: Limits) -> str:
    return (
        f"generator: {load['sent']:,} requests in {load['send_seconds']:.1f} s, "
        f"{load['achieved_rate']:.1f} of {load['target_rate']:g} req/s "
        f"(needs ≥ {limits.min_rate_share:.0%}); sends late by p99 "
        f"{load['send_lag_p99_ms']:.1f} ms, max {load['send_lag_max_ms']:.1f} ms "
        f"(limit p99 {limits.max_send_lag_ms:g} ms); {load['generator_cpu_seconds']:.1f} s CPU"
    )


def windows_line(load: dict[str, Any]) -> str:
    """The p99 of every 10 s of the run (errors in brackets): a stall or a creep shows."""
    cells = [
        f"{w['p99_ms']:.0f}" + (f"[{w['errors']}]" if w["errors"] else "") for w in load["windows"]
    ]
    return "p99 ms per 10 s, all scenarios: " + " ".join(cells)

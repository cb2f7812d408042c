"""Benchmark: one account's timeline (客户动态) over a long history (issue 23).

    .venv/bin/python -m bench.timeline                 # 20,000 entries per source
    .venv/bin/python -m bench.timeline --quick         # 2,000, fewer requests

1. A fresh database (``DATABASE_URL``'s server or an embedded PostgreSQL), migrated; the
   org tree (bench/org.py), ``--accounts`` accounts with a month of activity
   (bench/activity.py) around it, and one more account, the busy one, with ``--entries``
   rows in each source of the timeline (visits, contact changes in the audit log, tickets,
   opportunity steps, invoices, payments, grade, credit and ownership changes, notes), at
   instants drawn over two years with many ties; all loaded with binary COPY.
2. The four real processes with production settings (bench.kpi_cycle.process_env).
3. Through the gateway, as the busy account's owner (an account manager): the first page
   of 50, a page 90 % down the history (its cursor made from the loaded rows) and the
   first page of two kinds (``?kind=note&kind=visit``), and as a baseline the account's
   notes (one keyset list, same path and caller); ``--requests`` sequential requests
   each after a warm-up, their p50 / p99 / max; every page checked against the loaded
   rows' own order (occurred_at, kind, id), newest first.
4. A table on stdout and JSON under ``bench/results/``. Exit code 1 when the system
   misbehaved (an error status, a wrong page); a slow p99 is reported, not an error.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench import harness
from bench.activity import build_activity, credit_code, load_activity
from bench.bulk import columns, copy, load_in_bulk
from bench.kpi_cycle import (
    BENCH_PASSWORD,
)
from bench.kpi_flow import BenchError
from bench.org import Org, load_org, org_tree
from deploy.processes import Stack
from services.clients.timeline.rules import Position, encode_position
from services.staff.identity.secrets import hash_password
from shared.auth.tokens import SigningKey

QUICK = {"entries": 2_000, "accounts": 2_000, "employees": 200, "requests": 20}
FIRST_ID = 50_000_000  # above every id the activity generator uses
PAGE = 50
Row = tuple[Any, ...]

# table: columns, for the busy account's rows (besides the account itself)
BUSY = {
    "clients.visits": columns(
        "id account_id owner_id planned_on status visited_on visited_by source version "
        "purpose created_at"
    ),
    "clients.audit_log": columns(
        "id occurred_at service actor actor_employee_id entity entity_id action account_id after"
    ),
    "clients.tickets": columns(
        "id account_id kind severity channel title status owner_id grade_at_open "
        "response_target_minutes resolution_target_minutes around_the_clock opened_at "
        "respond_by resolve_by reopen_count version"
    ),
    "clients.opportunities": columns(
        "id account_id name amount currency expected_close_month stage_code probability "
        "owner_id status version created_at updated_at"
    ),
    "clients.opportunity_stage_changes": columns(
        "id opportunity_id from_stage_code to_stage_code probability owner_id changed_at"
    ),
    "clients.invoices": columns(
        "id erp_document_no account_id amount currency issue_date status erp_version owner_id "
        "created_at"
    ),
    "clients.payments": columns(
        "id erp_ref account_id amount currency received_on status source unallocated_amount "
        "owner_id created_at"
    ),
    "clients.grade_history": columns(
        "id account_id previous_grade grade source computed_grade contract_value currency "
        "actor_employee_id changed_at"
    ),
    "clients.credit_adjustments": columns(
        "id account_id delta score_before score_after reason actor_employee_id actor_max_delta "
        "created_at"
    ),
    "clients.ownership_history": columns(
        "id account_id from_employee_id to_employee_id reason changed_at"
    ),
    "clients.notes": columns("id account_id author_id body version created_at"),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    made = harness.parser("python -m bench.timeline", __doc__)
    made.add_argument("--entries", type=int, default=20_000, help="rows per source")
    return harness.parse(made, argv, QUICK)


class BusyAccount:
    """The busy account's rows per table, and every timeline entry they make."""

    def __init__(self, account_id: int, owner: int, entries: int, now: datetime, seed: int) -> None:
        self.account_id, self.owner = account_id, owner
        self.rows: dict[str, list[Row]] = {table: [] for table in BUSY}
        self.positions: list[Position] = []
        self.rng = random.Random(seed)
        self.start = now - timedelta(days=730)
        # instants on whole seconds after ``start``, few enough that many entries share one
        self.span = min(entries * 3, 2 * 365 * 86400)
        for n in range(entries):
            self._one_of_each(FIRST_ID + n)

    def instant(self) -> datetime:
        return self.start + timedelta(seconds=self.rng.randrange(self.span))

    def _entry(self, kind: str, row_id: int, at: datetime) -> None:
        self.positions.append(Position(at, kind, row_id))

    def _one_of_each(self, i: int) -> None:
        a, owner, at = self.account_id, self.owner, self.instant
        day = date(2026, 1, 1)
        t = at()
        self.rows["clients.visits"].append(
            (i, a, owner, day, "completed", day, owner, "manual", 1, "年度回顾", t)
        )
        self._entry("visit", i, t)
        t = at()
        after = json.dumps({"name": "李建国", "phone": "138-1234-5678", "title": "总经理"})
        self.rows["clients.audit_log"].append(
            (i, t, "clients", f"user:{owner}", owner, "account_contact" if i % 2 else "contact",
             str(i), "link" if i % 2 else "create", a, after)
        )  # fmt: skip
        self._entry("contact_change", i, t)
        t = at()
        self.rows["clients.tickets"].append(
            (i, a, "request", "low", "phone", f"工单{i}", "resolved", owner, "B", 60, 600,
             False, t, t + timedelta(hours=1), t + timedelta(hours=10), 0, 1)
        )  # fmt: skip
        self._entry("ticket", i, t)
        t = at()
        self.rows["clients.opportunities"].append(
            (i, a, f"机会{i}", Decimal("100000.00"), "CNY", date(2027, 1, 1), "lead", 10,
             owner, "open", 1, t, t)
        )  # fmt: skip
        self.rows["clients.opportunity_stage_changes"].append((i, i, None, "lead", 10, owner, t))
        self._entry("opportunity", i, t)
        t = at()
        self.rows["clients.invoices"].append(
            (i, f"BUSY-INV-{i}", a, Decimal("5000.00"), "CNY", day, "open", 1, owner, t)
        )
        self._entry("invoice", i, t)
        t = at()
        self.rows["clients.payments"].append(
            (i, f"BUSY-PAY-{i}", a, Decimal("3000.00"), "CNY", day, "received", "erp",
             Decimal("3000.00"), owner, t)
        )  # fmt: skip
        self._entry("payment", i, t)
        t = at()
        self.rows["clients.grade_history"].append(
            (i, a, "B", "A", "computed", "A", Decimal("0"), "CNY", None, t)
        )
        self._entry("grade_change", i, t)
        t = at()
        self.rows["clients.credit_adjustments"].append((i, a, 1, 80, 81, "按时回款", owner, 5, t))
        self._entry("credit_change", i, t)
        t = at()
        self.rows["clients.ownership_history"].append((i, a, owner, owner, "复核", t))
        self._entry("ownership_change", i, t)
        t = at()
        self.rows["clients.notes"].append((i, a, owner, f"跟进记录{i}：电话沟通", 1, t))
        self._entry("note", i, t)

    def newest_first(self, kinds: frozenset[str] | None = None) -> list[Position]:
        chosen = [p for p in self.positions if kinds is None or p.kind in kinds]
        return sorted(chosen, reverse=True)


async def load(
    admin_url: str, org: Org, args: argparse.Namespace, now: datetime
) -> tuple[dict[str, Any], BusyAccount]:
    activity = build_activity(org.account_holders, args.accounts, now, args.seed)
    busy_id = args.accounts + 1
    owner = org.account_holders[0]
    created = now - timedelta(days=800)
    activity.accounts.append(
        (busy_id, "基准繁忙客户有限公司", "active", "resource_enterprise", "existing", "A", "A",
         "computed", 80, owner, 1, created, created, credit_code(busy_id))
    )  # fmt: skip
    busy = BusyAccount(busy_id, owner, args.entries, now, args.seed)

    async def fill(conn: asyncpg.Connection) -> dict[str, int]:
        counts = await load_org(conn, org, hash_password(BENCH_PASSWORD))
        counts |= await load_activity(conn, activity)
        for table, names in BUSY.items():
            counts[f"{table} (busy account)"] = await copy(conn, table, names, busy.rows[table])
        return counts

    return await load_in_bulk(admin_url, "clients", fill, 0.0), busy


def keys(page: dict[str, Any]) -> list[str]:
    return [entry["key"] for entry in page["items"]]


def expected(positions: list[Position]) -> list[str]:
    return [f"{p.kind}:{p.id}" for p in positions]


async def drive(
    stack: Stack, org: Org, key: SigningKey, busy: BusyAccount, requests: int
) -> dict[str, Any]:
    owner = next(p for p in org.people if p.id == busy.owner)
    headers = harness.bearer(key, owner) | {"Accept-Language": "zh-CN"}
    path = f"/v1/clients/accounts/{busy.account_id}/timeline"
    everything = busy.newest_first()
    deep_at = int(len(everything) * 0.9)
    cursor = encode_position(everything[deep_at - 1])
    two_kinds = frozenset({"note", "visit"})
    scenarios: dict[str, tuple[dict[str, Any], list[str]]] = {
        "timeline, page 1 of 50": ({"limit": PAGE}, expected(everything[:PAGE])),
        "timeline, page 90 % down": (
            {"limit": PAGE, "cursor": cursor},
            expected(everything[deep_at : deep_at + PAGE]),
        ),
        "timeline, kind=note&kind=visit, page 1": (
            {"limit": PAGE, "kind": sorted(two_kinds)},
            expected(busy.newest_first(two_kinds)[:PAGE]),
        ),
    }
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=300) as client:
        # The baseline, same run: one keyset list of the same account (its notes).
        results["baseline: the account's notes, page 1 of 50"], _ = await harness.timed(
            client, f"/v1/clients/accounts/{busy.account_id}/notes", {"limit": PAGE}, headers,
            requests,
        )  # fmt: skip
        for name, (params, want) in scenarios.items():
            results[name], answer = await harness.timed(client, path, params, headers, requests)
            if keys(answer.json()) != want:
                raise BenchError(f"{name}: the page is not the loaded rows' newest first")
    results["verified"] = {"entries": len(everything), "pages_checked": len(scenarios)}
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    org = org_tree(args.employees, args.seed)
    return harness.run(
        "timeline",
        args,
        f"{args.entries}e",
        lambda admin_url, now: load(admin_url, org, args, now),
        lambda stack, key, busy: drive(stack, org, key, busy, args.requests),
        lambda busy: (
            f"account timeline: {len(busy.positions):,} entries on one account "
            f"({args.entries:,} per source), {args.accounts:,} other accounts"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())

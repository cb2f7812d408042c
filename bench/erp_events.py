"""The ERP's payment deliveries as the benchmarks send them.

Payment ``n`` is the event ``evt_bench_<n>`` with the ERP reference ``BPAYW-<n>``, so a
run can count what it stored (``bench.scenarios.count_stored``) whichever benchmark sent
it; the caller signs each attempt just before sending (``shared.webhooks``).
"""

from __future__ import annotations

import json


def delivery_id(n: int) -> str:
    """The webhook id of payment ``n``: a repeated delivery repeats it."""
    return f"evt_bench_{n:08d}"


def payment_body(n: int, account_ref: str, today: str) -> bytes:
    """Payment ``n`` received ``today`` from the account with credit code ``account_ref``."""
    event = {"id": delivery_id(n), "type": "payment.received",
             "occurred_at": f"{today}T02:15:00+00:00",
             "data": {"erp_ref": f"BPAYW-{n:08d}", "account_ref": account_ref,
                      "amount": {"amount": f"{1000 + n % 9000}.00", "currency": "CNY"},
                      "received_on": today, "allocations": [], "reversed_on": None}}  # fmt: skip
    return json.dumps(event, ensure_ascii=False).encode()

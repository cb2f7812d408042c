"""The soak's mix of requests: the five main scenarios through the gateway, interleaved.

``SoakMix(plan)(i)`` is the ``i``-th request of the run. The scenarios take turns in a
fixed weighted order (``MIX``), so every second of the run carries the same mix; which
account, owner or payment each request names is random but seeded. ERP deliveries are
signed when they are built, just before they are sent, and a share of them (``duplicates``)
repeat an earlier delivery with the same webhook id, as an ERP retrying would.
``run_mix`` is what the load process runs (picklable ``MixPlan`` in, plain dict out).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from bench.erp_events import delivery_id, payment_body
from bench.open_loop import PlannedRequest, run_open_loop, summary
from shared.webhooks import signature_headers

GET_BY_ID = "get account by id"
LIST = "list accounts (owner + grades B, C)"
CREATE_VISIT = "create a visit"
ERP_WEBHOOK = "ERP webhook (signed, repeats)"
ORG_CHART = "org chart"

MIX = {GET_BY_ID: 40, LIST: 20, CREATE_VISIT: 10, ERP_WEBHOOK: 20, ORG_CHART: 10}
WRITES = frozenset({CREATE_VISIT, ERP_WEBHOOK})


@dataclass(frozen=True)
class MixPlan:
    """Everything the load process needs: where, as whom, on which data, how fast."""

    gateway: str
    authorization: str
    api_key: str
    webhook_secret: str
    accounts: int
    active_accounts: tuple[tuple[int, str], ...]  # id and credit code of working accounts
    owners: tuple[int, ...]
    today: str
    planned_on: str
    duplicates: float
    rate: float
    seconds: float
    start_at: float
    timeout_seconds: float
    seed: int
    payments_before: int = 0  # numbers already used (the preflight's)


def weighted_order(weights: dict[str, int]) -> list[str]:
    """One cycle of the scenarios, each ``weight`` times, spread out (smooth round robin)."""
    total = sum(weights.values())
    current = dict.fromkeys(weights, 0)
    order = []
    for _ in range(total):
        for name, weight in weights.items():
            current[name] += weight
        chosen = max(current, key=lambda name: current[name])
        current[chosen] -= total
        order.append(chosen)
    return order


class SoakMix:
    """The next request of the run, and the payments it has delivered so far."""

    def __init__(self, plan: MixPlan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.order = weighted_order(MIX)
        self.last_payment = plan.payments_before
        self.repeats = 0
        self.builders = {
            GET_BY_ID: self.get_by_id,
            LIST: self.list_accounts,
            CREATE_VISIT: self.create_visit,
            ERP_WEBHOOK: self.erp_webhook,
            ORG_CHART: self.org_chart,
        }

    def __call__(self, i: int) -> PlannedRequest:
        return self.builders[self.order[i % len(self.order)]]()

    @property
    def distinct_payments(self) -> int:
        return self.last_payment - self.plan.payments_before

    def _read(self, scenario: str, path: str) -> PlannedRequest:
        return PlannedRequest(scenario, "GET", path, {"Authorization": self.plan.authorization})

    def get_by_id(self) -> PlannedRequest:
        return self._read(
            GET_BY_ID, f"/v1/clients/accounts/{self.rng.randint(1, self.plan.accounts)}"
        )

    def list_accounts(self) -> PlannedRequest:
        owner = self.rng.choice(self.plan.owners)
        return self._read(LIST, f"/v1/clients/accounts?owner_id={owner}&grade=B&grade=C&limit=50")

    def org_chart(self) -> PlannedRequest:
        return self._read(ORG_CHART, "/v1/staff/org-chart")

    def create_visit(self) -> PlannedRequest:
        account, _ = self.rng.choice(self.plan.active_accounts)
        body = f'{{"planned_on": "{self.plan.planned_on}", "purpose": "浸泡测试拜访"}}'
        headers = {"Authorization": self.plan.authorization, "Content-Type": "application/json"}
        return PlannedRequest(
            CREATE_VISIT, "POST", f"/v1/clients/accounts/{account}/visits", headers,
            body.encode(), expected=(201,),
        )  # fmt: skip

    def erp_webhook(self) -> PlannedRequest:
        repeat = self.distinct_payments > 0 and self.rng.random() < self.plan.duplicates
        if repeat:
            self.repeats += 1
            n = self.rng.randint(self.plan.payments_before + 1, self.last_payment)
        else:
            self.last_payment += 1
            n = self.last_payment
        active = self.plan.active_accounts
        body = payment_body(n, active[(n * 7919) % len(active)][1], self.plan.today)
        headers = signature_headers([self.plan.webhook_secret], delivery_id(n), body)
        headers |= {"X-API-Key": self.plan.api_key, "Content-Type": "application/json"}
        return PlannedRequest(ERP_WEBHOOK, "POST", "/v1/clients/erp/webhooks", headers, body)


def run_mix(plan: MixPlan) -> dict[str, Any]:
    """The whole load, in the process that runs it; its summary and its own CPU time."""
    mix = SoakMix(plan)
    run = asyncio.run(
        run_open_loop(
            plan.gateway, mix, rate=plan.rate, seconds=plan.seconds, start_at=plan.start_at,
            timeout_seconds=plan.timeout_seconds,
        )
    )  # fmt: skip
    return summary(run) | {
        "payments": {"distinct": mix.distinct_payments, "repeats": mix.repeats},
        "generator_cpu_seconds": round(time.process_time(), 2),
    }

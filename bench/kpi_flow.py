"""The KPI monthly cycle over HTTP through the gateway, phase by phase, timed.

Setup (not timed): 8 automatic indicators naming clients' metrics, one template per
appraised position with all 8, published. Then, timed: the cycle's creation (one
appraisal per employee), collection of actuals from clients, every employee's
self-assessment (open the sheet, submit), every manager's review (open the sheet, submit
with adjustments for metrics the employee has no value for: this scores the sheet),
collecting again (every scored sheet is rescored in bulk), calibration (overview and one
lock per department), closing. Each person acts with their own token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.org import Org
from shared.concurrency import etag_for

KPI = "/v1/kpi"
LINEAR = {"type": "linear", "floor_percent": "60", "cap": "120"}
INDICATORS = [  # key, metric, direction, weight, target, rule
    ("sales", "contract_value_signed", "higher_is_better", "25", "8000000", LINEAR),
    ("new_accounts", "new_accounts_signed", "higher_is_better", "10", "1", {"type": "pass_fail"}),
    ("visit_rate", "visit_completion_rate", "higher_is_better", "15", "95", LINEAR),
    ("visits_done", "visits_completed_total", "higher_is_better", "10", "25", LINEAR),
    (
        "sla",
        "tickets_within_sla_rate",
        "higher_is_better",
        "10",
        "90",
        {
            "type": "banded",
            "basis": "attainment",
            "bands": [
                {"upper": "80", "score": "0"},
                {"lower": "80", "upper": "100", "score": "80"},
                {"lower": "100", "score": "100"},
            ],
        },
    ),
    ("satisfaction", "mean_satisfaction", "higher_is_better", "10", "4.2", LINEAR),
    ("churn", "churn_rate", "lower_is_better", "10", "2", LINEAR),
    ("collection", "collection_rate", "higher_is_better", "10", "95", LINEAR),
]
NO_VALUE_SCORE = "80"


class BenchError(RuntimeError):
    """The system answered something the benchmark did not expect."""


@dataclass
class Phase:
    """One timed step: how long it took and how many requests it made."""

    name: str
    seconds: float
    requests: int
    target_seconds: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return None if self.target_seconds is None else self.seconds < self.target_seconds

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "target_seconds": self.target_seconds,
            "met": self.met,
            "detail": self.detail,
        }


def expect(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise BenchError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}: {response.text[:500]}"
        )
    return response.json()


class CycleRun:
    """One cycle for the whole org, driven through ``client`` (the gateway)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        org: Org,
        tokens: Mapping[int, str],
        admin_token: str,
        period: str,
        concurrency: int,
    ) -> None:
        self.client = client
        self.org = org
        self.tokens = tokens
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.period = period
        self.concurrency = concurrency
        self.phases: list[Phase] = []
        self.cycle_id = 0
        self.appraisals: list[dict[str, Any]] = []
        self.collections: list[dict[str, Any]] = []
        self.grades: dict[str, int] = {}
        self.sheets: dict[int, tuple[dict[str, Any], str]] = {}

    def as_person(self, employee_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[employee_id]}"}

    async def timed(
        self, name: str, step: Callable[[], Awaitable[int]], target: float | None = None
    ) -> Phase:
        started = time.perf_counter()
        requests = await step()
        phase = Phase(name, time.perf_counter() - started, requests, target)
        self.phases.append(phase)
        return phase

    async def each(self, items: Sequence[Any], work: Callable[[Any], Awaitable[None]]) -> None:
        """Run ``work`` for every item, at most ``concurrency`` at once."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Any) -> None:
            async with gate:
                await work(item)

        await asyncio.gather(*(one(item) for item in items))

    # --- setup -----------------------------------------------------------------------------

    async def create_templates(self) -> list[int]:
        items = []
        for key, metric, direction, weight, target, rule in INDICATORS:
            indicator = expect(
                await self.client.post(
                    f"{KPI}/indicators",
                    headers=self.admin,
                    json={
                        "code": f"bench_{key}",
                        "name": key,
                        "unit": "-",
                        "direction": direction,
                        "kind": "automatic",
                        "metric": metric,
                        "scoring_rule": rule,
                    },
                ),
                201,
            )
            items.append(
                {
                    "key": key,
                    "title": key,
                    "kind": "indicator",
                    "weight": weight,
                    "indicator_id": indicator["id"],
                    "target_mode": "absolute",
                    "target": target,
                }
            )
        ids = []
        for position in self.org.appraised_positions:
            created = await self.client.post(
                f"{KPI}/templates",
                headers=self.admin,
                json={
                    "code": f"{position}-MONTHLY",
                    "name": f"{position} 月度考核表",
                    "position_code": position,
                    "period_kind": "month",
                    "sections": [{"title": "业绩指标", "items": items}],
                },
            )
            template = expect(created, 201)
            expect(
                await self.client.post(
                    f"{KPI}/templates/{template['id']}/publish",
                    headers={**self.admin, "If-Match": created.headers["ETag"]},
                )
            )
            ids.append(int(template["id"]))
        return ids

    # --- the timed cycle -------------------------------------------------------------------

    async def move(self, state: str) -> None:
        expect(
            await self.client.post(
                f"{KPI}/cycles/{self.cycle_id}/transitions",
                headers=self.admin,
                json={"state": state},
            )
        )

    async def run(self, template_ids: list[int]) -> None:
        population = len(self.org.appraised)

        async def create() -> int:
            cycle = expect(
                await self.client.post(
                    f"{KPI}/cycles",
                    headers=self.admin,
                    json={
                        "name": f"{self.period} 大客户部月度考核",
                        "period": self.period,
                        "template_ids": template_ids,
                    },
                ),
                201,
            )
            if cycle["appraisal_count"] != population:
                raise BenchError(f"{cycle['appraisal_count']} appraisals, not {population}")
            self.cycle_id = int(cycle["id"])
            return 1

        await self.timed("create cycle", create)
        await self.move("collecting")
        first = await self.timed("collect actuals", self.collect, target=10)
        await self.timed("list appraisals", self.list_appraisals)
        await self.move("self_review")
        await self.timed("self-assessments", self.self_assessments)
        await self.move("manager_review")
        await self.timed("manager reviews (score each)", self.manager_reviews, target=10)
        await self.move("calibration")
        again = await self.timed("collect again (rescore all)", self.collect, target=10)
        await self.timed("calibration (overview + locks)", self.calibrate)
        await self.timed("close cycle", self.close)
        first.detail, again.detail = self.collections[0], self.collections[1]

    async def collect(self) -> int:
        summary = expect(
            await self.client.post(
                f"{KPI}/cycles/{self.cycle_id}/collect-actuals", headers=self.admin
            )
        )
        self.collections.append(summary)
        if summary["appraisals"] != len(self.org.appraised):
            raise BenchError(f"collection fed {summary['appraisals']} appraisals")
        return 1

    async def list_appraisals(self) -> int:
        cursor, requests, rows = None, 0, []
        while True:
            params: dict[str, Any] = {"cycle_id": self.cycle_id, "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = expect(
                await self.client.get(f"{KPI}/appraisals", params=params, headers=self.admin)
            )
            requests += 1
            rows += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.appraisals = rows
        return requests

    async def self_assessments(self) -> int:
        """Each employee submits against the version their list showed (one request each);
        the answer is the sheet, which the manager review then works from."""

        async def assess(row: dict[str, Any]) -> None:
            me = self.as_person(row["employee_id"])
            answer = await self.client.post(
                f"{KPI}/appraisals/{row['id']}/self-assessment",
                json={"comment": "本月按计划完成客户开发和维护工作。"},
                headers={**me, "If-Match": etag_for(row["version"])},
            )
            self.sheets[row["id"]] = (expect(answer), answer.headers["ETag"])

        await self.each(self.appraisals, assess)
        return len(self.appraisals)

    async def manager_reviews(self) -> int:
        """Each manager (kpi's org copy names them) scores the sheet: one request each,
        adjusting the items the employee has no value for (a rate whose base is zero)."""

        async def review(row: dict[str, Any]) -> None:
            sheet, etag = self.sheets[row["id"]]
            adjustments = [
                {"item_id": item["id"], "score": NO_VALUE_SCORE, "reason": "本期无该项数据,按80计"}
                for item in sheet["items"]
                if item["actual"] is None
            ]
            reviewed = expect(
                await self.client.post(
                    f"{KPI}/appraisals/{row['id']}/manager-review",
                    json={"comment": "同意", "adjustments": adjustments},
                    headers={**self.as_person(row["manager_id"]), "If-Match": etag},
                )
            )
            self.grades[reviewed["grade"]] = self.grades.get(reviewed["grade"], 0) + 1

        await self.each(self.appraisals, review)
        return len(self.appraisals)

    async def calibrate(self) -> int:
        overview = expect(
            await self.client.get(f"{KPI}/cycles/{self.cycle_id}/calibration", headers=self.admin)
        )
        locked = 0
        for department in overview["departments"]:
            answer = expect(
                await self.client.post(
                    f"{KPI}/cycles/{self.cycle_id}/calibration/lock",
                    headers=self.admin,
                    json={"department_id": department["department_id"]},
                )
            )
            locked += answer["locked"]
        if locked != len(self.org.appraised):
            raise BenchError(f"calibration locked {locked} appraisals")
        return 1 + len(overview["departments"])

    async def close(self) -> int:
        await self.move("closed")
        return 1

    async def verify(self) -> dict[str, Any]:
        """After closing: every appraisal calibrated with a final grade (not timed)."""
        await self.list_appraisals()
        states = {row["state"] for row in self.appraisals}
        graded = sum(1 for row in self.appraisals if row.get("final_grade"))
        if states != {"calibrated"} or len(self.appraisals) != len(self.org.appraised):
            raise BenchError(f"after closing: states {states}, {len(self.appraisals)} appraisals")
        return {"appraisals": len(self.appraisals), "final_grades": graded, "grades": self.grades}

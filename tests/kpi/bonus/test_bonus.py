"""Bonus: base × grade coefficient (exact, half-up to the cent) ± approved 奖惩, exported.

Coefficients (default): S 1.5, A 1.2, B 1.0, C 0.8, D 0. Cycle 2026-11; bases: position
KA-SPEC 8,333.33 CNY, person 303 1,000.03 CNY (his own base wins over his position's).

| emp | position | grade | base | base × coefficient | 奖惩 approved | total |
|-----|----------|-------|---------|-------------------------------|---------------|-----------|
| 301 | KA-SPEC | A | 8333.33 | × 1.2 = 9,999.996 → 10,000.00 | +500.00 | 10,500.00 |
| 302 | KA-SPEC | C | 8333.33 | × 0.8 = 6,666.664 → 6,666.66 | −1,000.00 | 5,666.66 |
| 303 | KA-SPEC | S | 1000.03 | × 1.5 = 1,500.045 → 1,500.05 (*) | — | 1,500.05 |
| 304 | KA-OTHER | B | (none) | — | — | (none) |

(*) half-up; half-even would give 1,500.04.
301's 200.00 penalty is only proposed and 302's 300.00 reward was rejected: neither counts.
"""

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from services.kpi.appraisals.models import Appraisal
from services.kpi.bonus.rules import AdjustmentKind, bonus_line, may_decide
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.templates.models import AppraisalTemplate
from shared.auth.principal import Role
from shared.money import Money
from tests.conftest import bearer

OFFICE = bearer(Role.APPRAISAL_ADMIN, employee_id=910, subject="user:910")
MANAGER = bearer(Role.DEPT_MANAGER, employee_id=920, subject="user:920")
LEAD = bearer(Role.TEAM_LEAD, employee_id=930, subject="user:930")
PEOPLE = {301: ("KA-SPEC", "88.00", "A"), 302: ("KA-SPEC", "65.00", "C"),
          303: ("KA-SPEC", "96.00", "S"), 304: ("KA-OTHER", "75.00", "B")}  # fmt: skip
COEFFICIENTS = {"S": Decimal("1.5"), "A": Decimal("1.2"), "B": Decimal("1.0"), "C": Decimal("0.8")}


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


async def _cycle(client: httpx.AsyncClient) -> int:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport) and isinstance(transport.app, FastAPI)
    async with transport.app.state.session_factory() as session:
        template = AppraisalTemplate(
            code="BT", name="模板", position_code="KA-SPEC", period_kind="month"
        )
        session.add(template)
        await session.flush()
        cycle = AppraisalCycle(name="2026年11月考核", period_kind="month", period="2026-11",
                               state="closed", template_ids=[template.id])  # fmt: skip
        session.add(cycle)
        await session.flush()
        assert template.id is not None and cycle.id is not None
        for employee, (position, score, grade) in PEOPLE.items():
            session.add(Appraisal(
                cycle_id=cycle.id, employee_id=employee, template_id=template.id,
                department_id=10, position_code=position, state="acknowledged",
                score=Decimal(score), grade=grade, final_score=Decimal(score), final_grade=grade,
            ))  # fmt: skip
        await session.commit()
        return cycle.id


async def _propose(client: httpx.AsyncClient, cycle: int, body: dict[str, Any]) -> int:
    response = await client.post(
        f"/v1/kpi/cycles/{cycle}/rewards-penalties", json=body, headers=OFFICE
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "proposed"
    read = await client.get(response.headers["Location"], headers=OFFICE)
    assert read.status_code == 200 and read.json() == response.json()
    return int(response.json()["id"])


async def test_bonus_amounts_and_rewards_penalties_in_the_export(
    kpi_client: httpx.AsyncClient,
) -> None:
    cycle = await _cycle(kpi_client)
    for body in ({"period": "2026-11", "position_code": "KA-SPEC", "amount": cny("8333.33")},
                 {"period": "2026-11", "employee_id": 303, "amount": cny("900.00")},
                 {"period": "2026-11", "employee_id": 303, "amount": cny("1000.03")}):  # fmt: skip
        response = await kpi_client.post("/v1/kpi/bonus-bases", json=body, headers=OFFICE)
        assert response.status_code == 200, response.text
    bases = (await kpi_client.get("/v1/kpi/bonus-bases", params={"period": "2026-11"})).json()
    assert sorted(b["amount"]["amount"] for b in bases) == ["1000.03", "8333.33"]  # replaced

    reward = await _propose(kpi_client, cycle, {"employee_id": 301, "kind": "reward",
                            "amount": cny("500.00"), "reason": "成功签约年度重点客户"})  # fmt: skip
    await _propose(kpi_client, cycle, {"employee_id": 301, "kind": "penalty",
                   "amount": cny("200.00"), "reason": "拜访记录迟报"})  # fmt: skip
    penalty = await _propose(kpi_client, cycle, {"employee_id": 302, "kind": "penalty",
                             "amount": cny("1000.00"), "reason": "合同审批流程违规"})  # fmt: skip
    rejected = await _propose(kpi_client, cycle, {"employee_id": 302, "kind": "reward",
                              "amount": cny("300.00"), "reason": "客户表扬"})  # fmt: skip

    # Four eyes: the proposer cannot approve; a team lead may not decide at all.
    url = "/v1/kpi/rewards-penalties"
    own = await kpi_client.post(f"{url}/{reward}/approve", json={}, headers=OFFICE)
    assert own.status_code == 403, own.text
    assert (
        await kpi_client.post(f"{url}/{reward}/approve", json={}, headers=LEAD)
    ).status_code == 403
    for adjustment in (reward, penalty):
        approved = await kpi_client.post(
            f"{url}/{adjustment}/approve", json={"note": "同意"}, headers=MANAGER
        )
        assert approved.status_code == 200, approved.text
        assert (approved.json()["state"], approved.json()["decided_by"]) == ("approved", 920)
    assert (
        await kpi_client.post(f"{url}/{rejected}/reject", json={}, headers=MANAGER)
    ).status_code == 200
    again = await kpi_client.post(f"{url}/{reward}/approve", json={}, headers=MANAGER)
    assert again.status_code == 409
    read = await kpi_client.get(f"{url}/{reward}", headers=MANAGER)
    assert (read.json()["state"], read.json()["decided_by"]) == ("approved", 920)
    assert (await kpi_client.get(f"{url}/2000000", headers=MANAGER)).status_code == 404

    # Someone not appraised in the cycle gets no reward.
    stranger = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle}/rewards-penalties", headers=OFFICE,
        json={"employee_id": 999, "kind": "reward", "amount": cny("1.00"), "reason": "测试"},
    )  # fmt: skip
    assert stranger.status_code == 422

    export = await kpi_client.get(f"/v1/kpi/cycles/{cycle}/export", params={"lang": "en"})
    assert export.status_code == 200
    rows = {
        int(r["employee_id"]): r for r in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))
    }
    columns = ("bonus_base", "performance_bonus", "rewards", "penalties", "bonus_total")
    got = {e: tuple(r[c] for c in columns) for e, r in rows.items()}
    assert got == {
        301: ("8333.33", "10000.00", "500.00", "0.00", "10500.00"),
        302: ("8333.33", "6666.66", "0.00", "1000.00", "5666.66"),
        303: ("1000.03", "1500.05", "0.00", "0.00", "1500.05"),
        304: ("", "", "0.00", "0.00", ""),
    }
    assert {r["currency"] for r in rows.values()} == {"CNY"}


def test_half_up_to_the_cent() -> None:
    # 1,000.03 × 1.5 = 1,500.045: half-up → 1,500.05 (half-even would keep 1,500.04).
    line = bonus_line(
        Money(amount=Decimal("1000.03"), currency="CNY"), "S", COEFFICIENTS, [], "CNY"
    )
    assert line.performance_bonus == Money(amount=Decimal("1500.05"), currency="CNY")


_CENTS = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100)


@given(base=_CENTS, grade=st.sampled_from(sorted(COEFFICIENTS)),
       rewards=st.lists(_CENTS.filter(lambda d: d > 0), max_size=4),
       penalties=st.lists(_CENTS.filter(lambda d: d > 0), max_size=4))  # fmt: skip
def test_the_total_is_the_bonus_plus_rewards_minus_penalties(
    base: Decimal, grade: str, rewards: list[Decimal], penalties: list[Decimal]
) -> None:
    adjustments = [(AdjustmentKind.REWARD, Money(amount=r, currency="CNY")) for r in rewards] + [
        (AdjustmentKind.PENALTY, Money(amount=p, currency="CNY")) for p in penalties
    ]
    line = bonus_line(Money(amount=base, currency="CNY"), grade, COEFFICIENTS, adjustments, "CNY")
    assert line.performance_bonus is not None and line.total is not None
    # Within half a cent of the exact product, and the total adds up exactly.
    assert abs(line.performance_bonus.amount - base * COEFFICIENTS[grade]) <= Decimal("0.005")
    assert line.total.amount == line.performance_bonus.amount + sum(rewards) - sum(penalties)


def test_four_eyes() -> None:
    assert not may_decide(910, 910)
    assert may_decide(910, 920)

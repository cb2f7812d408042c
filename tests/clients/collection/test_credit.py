"""Credit limits and exposure on a hand-computed group, the warnings list, the warning on
signing, and payment behaviour capping the grade."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from shared.auth.principal import Role
from tests.clients.collection.test_dunning import applied
from tests.clients.conftest import (
    ACCOUNTS,
    AS_STAFF,
    KAM,
    LEAD,
    acting,
    create_account,
    credit_code,
)
from tests.clients.contracts.test_api import ago, draft, sign, signed, today
from tests.clients.receivables.factories import (
    FINANCE,
    invoice_event,
    payment_event,
)

WARNINGS = "/v1/clients/credit-warnings"


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def for_contract(event: dict[str, Any], number: str) -> dict[str, Any]:
    event["data"]["contract_ref"] = number
    return event


async def put_limit(
    client: httpx.AsyncClient, account_id: int, amount: str, **kwargs: Any
) -> httpx.Response:
    return await client.put(
        f"{ACCOUNTS}/{account_id}/credit-limit",
        json={"amount": cny(amount), "reason": "年度授信"},
        **kwargs,
    )


async def exposure(client: httpx.AsyncClient, account_id: int, **kwargs: Any) -> dict[str, Any]:
    response = await client.get(f"{ACCOUNTS}/{account_id}/credit-exposure", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def group(erp: httpx.AsyncClient) -> tuple[int, int, int]:
    """A group: TOP ← MID ← LEAF (MID owned by LEAD, the others by KAM).

    TOP:  contract 1,000,000 signed; INV-T1 300,000 against it, 100,000 paid
          → open 200,000, uninvoiced 700,000, own exposure 900,000.
    MID:  contract 500,000 signed; INV-M1 600,000 against it (over-invoiced: uninvoiced 0,
          not −100,000), lines 400,000 + 200,000, the second paid; INV-M2 50,000 cancelled
          → open 400,000, own exposure 400,000.
    LEAF: contract 800,000 signed, a 5,000,000 draft (not counted); INV-L1 150,000.50 with
          no contract → open 150,000.50, uninvoiced 800,000, own exposure 950,000.50.
    Group: open 750,000.50 + uninvoiced 1,500,000 = 2,250,000.50.
    """
    top_code, mid_code, leaf_code = credit_code(8201), credit_code(8202), credit_code(8203)
    top = (await create_account(erp, credit_code=top_code, owner_id=KAM))["id"]
    mid = (await create_account(erp, credit_code=mid_code, owner_id=LEAD, parent_id=top))["id"]
    leaf = (await create_account(erp, credit_code=leaf_code, owner_id=KAM, parent_id=mid))["id"]
    top_contract = await signed(erp, top, amount="1000000.00")
    mid_contract = await signed(erp, mid, amount="500000.00")
    await signed(erp, leaf, amount="800000.00")
    await draft(erp, leaf, amount="5000000.00")
    events = [
        for_contract(
            invoice_event("INV-T1", top_code, [(ago(10), "300000.00")]), top_contract["number"]
        ),
        payment_event("PAY-T1", top_code, "100000.00", ago(3)),
        for_contract(
            invoice_event("INV-M1", mid_code, [(ago(20), "400000.00"), (ago(5), "200000.00")]),
            mid_contract["number"],
        ),
        payment_event("PAY-M1", mid_code, "200000.00", ago(2), [("INV-M1", 2, "200000.00")]),
        invoice_event("INV-M2", mid_code, [(ago(1), "50000.00")], status="cancelled"),
        invoice_event("INV-L1", leaf_code, [(ago(1), "150000.50")]),
    ]
    for event in events:
        await applied(erp, event)
    return top, mid, leaf


async def test_exposure_is_exact_for_an_account_and_its_group(erp: httpx.AsyncClient) -> None:
    top, mid, leaf = await group(erp)
    assert (await put_limit(erp, top, "2000000.00", headers=FINANCE)).status_code == 200
    mid_limit = await put_limit(erp, mid, "350000.00", headers=acting(900, Role.DEPT_MANAGER))
    assert mid_limit.status_code == 200, mid_limit.text
    assert mid_limit.json()["applies_to_group"] is False

    leaf_view = await exposure(erp, leaf)
    assert {k: leaf_view[k] for k in ("limit", "exposure", "open_receivables")} == {
        "limit": None, "exposure": cny("950000.50"), "open_receivables": cny("150000.50"),
    }  # fmt: skip
    assert leaf_view["uninvoiced_contracts"] == cny("800000.00")
    assert (leaf_view["exceeded"], leaf_view["warning"]) == (False, True)
    assert leaf_view["group"] == {
        "top_account_id": top,
        "members": 3,
        "limit": cny("2000000.00"),
        "exposure": cny("2250000.50"),
        "open_receivables": cny("750000.50"),
        "uninvoiced_contracts": cny("1500000.00"),
        "exceeded": True,
        "unconverted_lines": 0,
    }
    top_view = await exposure(erp, top)
    assert (top_view["exposure"], top_view["uninvoiced_contracts"]) == (
        cny("900000.00"), cny("700000.00"),
    )  # fmt: skip
    mid_view = await exposure(erp, mid)
    assert (mid_view["exposure"], mid_view["uninvoiced_contracts"], mid_view["exceeded"]) == (
        cny("400000.00"), cny("0.00"), True,
    )  # fmt: skip

    # Warnings: the group (on its top account) and MID on its own limit.
    items = (await erp.get(WARNINGS)).json()["items"]
    assert [
        (w["account_id"], w["applies_to_group"], w["members"], w["exposure"], w["over_by"])
        for w in items
    ] == [
        (top, True, 3, cny("2250000.50"), cny("250000.50")),
        (mid, False, 1, cny("400000.00"), cny("50000.00")),
    ]
    # An account manager sees only warnings on accounts they own.
    kam = acting(KAM, Role.ACCOUNT_MANAGER)
    assert [w["account_id"] for w in (await erp.get(WARNINGS, headers=kam)).json()["items"]] == [
        top
    ]
    # Raising the group limit clears the group's warning.
    current = await erp.get(f"{ACCOUNTS}/{top}/credit-limit")
    assert current.json()["applies_to_group"] is True and current.headers["ETag"] == '"1"'
    stale = await put_limit(erp, top, "3000000.00", headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    raised = await put_limit(erp, top, "3000000.00", headers={"If-Match": '"1"'})
    assert raised.json()["version"] == 2
    assert [w["account_id"] for w in (await erp.get(WARNINGS)).json()["items"]] == [mid]


async def test_credit_limit_refusals_write_nothing(erp: httpx.AsyncClient) -> None:
    account = (await create_account(erp, owner_id=KAM))["id"]
    usd = await erp.put(
        f"{ACCOUNTS}/{account}/credit-limit",
        json={"amount": {"amount": "10.00", "currency": "USD"}, "reason": "x"},
    )
    assert usd.status_code == 422
    assert usd.json()["errors"][0]["loc"] == ["body", "amount", "currency"]
    for bad in ("-1.00", "10.001", "abc"):
        assert (await put_limit(erp, account, bad)).status_code == 422
    for role in (Role.ACCOUNT_MANAGER, Role.TEAM_LEAD):
        denied = await put_limit(erp, account, "10.00", headers=acting(KAM, role))
        assert denied.status_code == 403
    assert (await put_limit(erp, 999999, "10.00")).status_code == 404
    assert (await erp.get(f"{ACCOUNTS}/{account}/credit-limit")).status_code == 404
    view = await exposure(erp, account)
    assert (view["limit"], view["exceeded"], view["group"]) == (None, False, None)
    hidden = await erp.get(
        f"{ACCOUNTS}/{account}/credit-exposure", headers=acting(LEAD + 2, Role.ACCOUNT_MANAGER)
    )
    assert hidden.status_code == 404


async def test_signing_over_the_limit_warns_but_signs(erp: httpx.AsyncClient) -> None:
    account = (await create_account(erp, owner_id=KAM))["id"]
    assert (await put_limit(erp, account, "100000.00")).status_code == 200
    within = await sign(erp, (await draft(erp, account, amount="60000.00"))["id"], ago(2))
    assert within.status_code == 200 and within.json()["credit_warning"] is None
    over = await sign(erp, (await draft(erp, account, amount="50000.00"))["id"], ago(1))
    assert over.status_code == 200, over.text
    body = over.json()
    assert body["status"] == "signed"
    assert body["credit_warning"]["exposure"]["exposure"] == cny("110000.00")
    assert body["credit_warning"]["exposure"]["exceeded"] is True


async def test_ninety_plus_days_overdue_caps_the_grade(erp: httpx.AsyncClient) -> None:
    code = credit_code(8301)
    account = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await signed(erp, account, amount="6000000.00")
    recompute = f"{ACCOUNTS}/{account}/grade/recompute"
    grade = (await erp.post(recompute)).json()
    assert (grade["grade"], grade["oldest_days_overdue"]) == ("A", None)

    due = (today() - timedelta(days=95)).isoformat()
    await applied(erp, invoice_event("INV-GR1", code, [(due, "1000.00")], issue_date=ago(120)))
    grade = (await erp.post(recompute)).json()
    assert (grade["grade"], grade["computed_grade"], grade["oldest_days_overdue"]) == (
        "B", "B", 95,
    )  # fmt: skip
    history = (await erp.get(f"{ACCOUNTS}/{account}/grade-history")).json()["items"]
    assert (history[0]["grade"], history[0]["contract_value"]) == ("B", "6000000.00")

    # An override (with its reason) still wins over the cap.
    override = await erp.put(
        f"{ACCOUNTS}/{account}/grade-override", json={"grade": "A", "reason": "战略客户"}
    )
    assert override.json()["grade"] == "A" and override.json()["computed_grade"] == "B"
    assert (await erp.delete(f"{ACCOUNTS}/{account}/grade-override")).json()["grade"] == "B"

    await applied(erp, payment_event("PAY-GR1", code, "1000.00", ago(0)))
    grade = (await erp.post(recompute)).json()
    assert (grade["grade"], grade["oldest_days_overdue"]) == ("A", None)


async def test_bulk_regrade_applies_the_cap(erp: httpx.AsyncClient) -> None:
    code = credit_code(8302)
    account = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await signed(erp, account, amount="6000000.00")
    due = (today() - timedelta(days=91)).isoformat()
    await applied(erp, invoice_event("INV-GR2", code, [(due, "10.00")], issue_date=ago(100)))
    # The ERP event that makes the line overdue applies the cap at once (issue 20) …
    assert (await erp.get(f"{ACCOUNTS}/{account}")).json()["grade"] == "B"
    response = await erp.post("/v1/clients/internal/grading/recompute", headers=AS_STAFF)
    assert response.status_code == 200, response.text
    # … and the bulk recompute keeps it.
    assert (await erp.get(f"{ACCOUNTS}/{account}")).json()["grade"] == "B"

"""Opportunities through the API: create (idempotent), If-Match, the stage machine, won
into a contract (a prospect becomes a client), lost to a competitor, reopen, the stage
history, scope per role, masking of key contacts, and the catalogue, competitor register
and pipeline stages they rest on."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.conftest import post_current

OPPORTUNITIES = "/v1/clients/opportunities"
PRODUCTS = "/v1/clients/products"
COMPETITORS = "/v1/clients/competitors"
STAGES = "/v1/clients/pipeline-stages"
KAM_TOKEN = acting(KAM, Role.ACCOUNT_MANAGER)
SPECIALIST_TOKEN = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
LEAD_TOKEN = acting(LEAD, Role.TEAM_LEAD)
MANAGER_TOKEN = acting(MANAGER, Role.DEPT_MANAGER)
FINANCE_TOKEN = acting(MANAGER, Role.FINANCE)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


async def product(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "code": f"P-{uuid.uuid4().hex[:8]}",
        "name": "配电设施运维服务",
        "unit": "年",
        "list_price": "360000.00",
        "currency": "CNY",
        **fields,
    }
    response = await client.post(PRODUCTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def competitor(client: httpx.AsyncClient) -> dict[str, Any]:
    body = {"name": f"华东电力设备工程有限公司{uuid.uuid4().hex[:4]}"}
    response = await client.post(COMPETITORS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def opportunity_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "2027年度配电运维服务",
        "amount": "1250000.00",
        "currency": "CNY",
        "expected_close_month": "2027-03",
        **fields,
    }


async def open_one(
    client: httpx.AsyncClient, account_id: int, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{ACCOUNTS}/{account_id}/opportunities",
        json=opportunity_body(**fields),
        headers=headers or {},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    record, action = path.rsplit("/", 1)
    return await post_current(client, record, f"/{action}", json=body, headers=headers)


async def test_an_opportunity_opens_in_the_first_stage_with_its_team_contacts_and_lines(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    contact = await create_contact(clients, account["id"], phone="138-1234-5678")
    item = await product(clients)
    created = await open_one(
        clients,
        account["id"],
        members=[{"employee_id": SPECIALIST, "role": "presales"}],
        contacts=[{"contact_id": contact["id"], "role": "decision_maker"}],
        lines=[
            {"product_id": item["id"], "quantity": "2", "discount_percent": "12.5"},
            {"product_id": item["id"], "quantity": "1", "unit_price": "100000.00"},
        ],
    )
    assert created["stage_code"] == "lead" and created["stage_name"] == "线索"
    assert created["probability"] == 10 and created["probability_reason"] is None
    assert created["owner_id"] == KAM and created["status"] == "open"
    assert created["amount"] == {"amount": "1250000.00", "currency": "CNY"}
    assert created["weighted_amount"] == {"amount": "125000.00", "currency": "CNY"}
    assert created["expected_close_month"] == "2027-03"
    assert created["members"] == [{"employee_id": SPECIALIST, "role": "presales"}]
    assert created["contacts"][0]["role"] == "decision_maker"
    assert [line["total"]["amount"] for line in created["lines"]] == ["630000.00", "100000.00"]
    assert created["lines_total"] == {"amount": "730000.00", "currency": "CNY"}
    history = (await clients.get(f"{OPPORTUNITIES}/{created['id']}/stage-history")).json()
    assert [(c["from_stage_code"], c["to_stage_code"]) for c in history["changes"]] == [
        (None, "lead")
    ]


async def test_create_with_an_idempotency_key_runs_once(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    path = f"{ACCOUNTS}/{account['id']}/opportunities"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await clients.post(path, json=opportunity_body(), headers=key)
    again = await clients.post(path, json=opportunity_body(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await clients.post(path, json=opportunity_body(name="另一个机会"), headers=key)
    assert other.status_code == 422
    listed = (await clients.get(OPPORTUNITIES, params={"account_id": account["id"]})).json()
    assert len(listed["items"]) == 1


async def test_a_probability_override_needs_a_reason(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    path = f"{ACCOUNTS}/{account['id']}/opportunities"
    refused = await clients.post(path, json=opportunity_body(probability=30))
    assert refused.status_code == 422
    assert "probability_reason" in refused.json()["detail"]
    kept = await open_one(clients, account["id"], probability=30, probability_reason="老客户续约")
    assert (kept["probability"], kept["probability_reason"]) == (30, "老客户续约")
    # Back to the stage default: the reason goes.
    response = await clients.patch(
        f"{OPPORTUNITIES}/{kept['id']}", json={"probability": 10}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["probability"], response.json()["probability_reason"]) == (10, None)


async def test_patch_needs_the_current_etag(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    created = await open_one(clients, account["id"])
    path = f"{OPPORTUNITIES}/{created['id']}"
    assert (await clients.patch(path, json={"name": "新名称"})).status_code == 428
    stale = await clients.patch(path, json={"name": "新名称"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    done = await clients.patch(
        path, json={"name": "新名称", "amount": "99.99"}, headers={"If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    assert done.headers["ETag"] == '"2"'
    assert done.json()["amount"]["amount"] == "99.99"
    late = await clients.patch(path, json={"name": "再改"}, headers={"If-Match": '"1"'})
    assert late.status_code == 412


async def test_amounts_are_exact_decimal_strings(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    path = f"{ACCOUNTS}/{account['id']}/opportunities"
    for amount in ("1.005", 12.5, "-1.00"):
        response = await clients.post(path, json=opportunity_body(amount=amount))
        assert response.status_code == 422, amount
    response = await clients.post(path, json=opportunity_body(expected_close_month="2027-03-15"))
    assert response.status_code == 422


async def test_the_stage_machine_through_the_api(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    created = await open_one(clients, account["id"])
    stage = f"{OPPORTUNITIES}/{created['id']}/stage"
    forward = await post(clients, stage, {"stage_code": "proposal", "note": "需求确认完毕"})
    assert forward.status_code == 200, forward.text
    assert (forward.json()["stage_code"], forward.json()["probability"]) == ("proposal", 50)
    back = await post(
        clients,
        stage,
        {"stage_code": "qualified", "probability": 30, "probability_reason": "预算待批"},
    )
    assert back.status_code == 200 and back.json()["probability"] == 30
    to_won = await post(clients, stage, {"stage_code": "won"})
    assert to_won.status_code == 409 and "/win" in to_won.json()["detail"]
    unknown = await post(clients, stage, {"stage_code": "nowhere"})
    assert unknown.status_code == 422
    stale = await post(clients, stage, {"stage_code": "lead"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    history = (await clients.get(f"{OPPORTUNITIES}/{created['id']}/stage-history")).json()
    assert [c["to_stage_code"] for c in history["changes"]] == ["lead", "proposal", "qualified"]
    assert set(history["seconds_per_stage"]) == {"lead", "proposal", "qualified"}
    assert all(c["seconds_in_stage"] >= 0 for c in history["changes"])


async def test_won_with_a_new_contract_makes_the_prospect_a_client(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    assert account["trade_class"] == "prospect"
    created = await open_one(clients, account["id"], amount="880000.00")
    await post(clients, f"{OPPORTUNITIES}/{created['id']}/stage", {"stage_code": "negotiation"})
    number = f"HT-{uuid.uuid4().hex[:8]}"
    won = await post(
        clients,
        f"{OPPORTUNITIES}/{created['id']}/win",
        {
            "contract": {
                "number": number,
                "start_date": today().isoformat(),
                "end_date": (today() + timedelta(days=364)).isoformat(),
            },
            "note": "合同已回传",
        },
    )
    assert won.status_code == 200, won.text
    body = won.json()
    assert (body["status"], body["stage_code"], body["probability"]) == ("won", "won", 100)
    assert body["closed_at"] is not None
    contract = (await clients.get(f"/v1/clients/contracts/{body['contract_id']}")).json()
    assert (contract["number"], contract["status"]) == (number, "signed")
    assert contract["amount"] == {"amount": "880000.00", "currency": "CNY"}
    assert contract["title"] == created["name"]
    after = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert after["trade_class"] == "existing"
    again = await post(clients, f"{OPPORTUNITIES}/{created['id']}/win", {"contract_id": 1})
    assert again.status_code == 409
    closed = await clients.patch(
        f"{OPPORTUNITIES}/{created['id']}",
        json={"name": "x"},
        headers={"If-Match": won.headers["ETag"]},
    )
    assert closed.status_code == 409
    history = (await clients.get(f"{OPPORTUNITIES}/{created['id']}/stage-history")).json()
    assert history["changes"][-1]["to_stage_code"] == "won"
    assert history["changes"][-1]["note"] == "合同已回传"


async def test_won_with_a_linked_contract_must_be_a_signed_one_of_the_account(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    other = await create_account(clients)
    created = await open_one(clients, account["id"])
    win = f"{OPPORTUNITIES}/{created['id']}/win"

    async def draft(account_id: int) -> int:
        body = {
            "number": f"HT-{uuid.uuid4().hex[:8]}",
            "title": "配电运维服务合同",
            "amount": "100000.00",
            "currency": "CNY",
            "start_date": today().isoformat(),
            "end_date": (today() + timedelta(days=30)).isoformat(),
        }
        response = await clients.post(f"{ACCOUNTS}/{account_id}/contracts", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    foreign = await draft(other["id"])
    assert (await post(clients, win, {"contract_id": foreign})).status_code == 422
    unsigned = await draft(account["id"])
    refused = await post(clients, win, {"contract_id": unsigned})
    assert refused.status_code == 409 and refused.json()["reason"] == "contract_not_signed"
    assert (await post(clients, win, {"contract_id": 987654})).status_code == 404
    both = await post(clients, win, {})
    assert both.status_code == 422
    signed = await post_current(clients, f"/v1/clients/contracts/{unsigned}", "/sign", json={})
    assert signed.status_code == 200, signed.text
    won = await post(clients, win, {"contract_id": unsigned})
    assert won.status_code == 200, won.text
    assert won.json()["contract_id"] == unsigned


async def test_lost_to_a_competitor_and_reopened_by_a_manager(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    rival = await competitor(clients)
    created = await open_one(clients, account["id"])
    lose = f"{OPPORTUNITIES}/{created['id']}/lose"
    missing = await post(clients, lose, {"reason": "价格", "competitor_id": 987654})
    assert missing.status_code == 422
    lost = await post(
        clients, lose, {"reason": "价格高于中标价约8%", "competitor_id": rival["id"]}, **KAM_TOKEN
    )
    assert lost.status_code == 200, lost.text
    body = lost.json()
    assert (body["status"], body["stage_code"], body["probability"]) == ("lost", "lost", 0)
    assert (body["lost_reason"], body["lost_to_competitor_id"]) == (
        "价格高于中标价约8%",
        rival["id"],
    )
    assert body["weighted_amount"]["amount"] == "0.00"
    reopen = f"{OPPORTUNITIES}/{created['id']}/reopen"
    body_reopen = {"stage_code": "negotiation", "reason": "中标方放弃"}
    assert (await post(clients, reopen, body_reopen, **KAM_TOKEN)).status_code == 403
    reopened = await post(clients, reopen, body_reopen, **MANAGER_TOKEN)
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["lost_to_competitor_id"]) == ("open", None)
    again = await post(clients, reopen, body_reopen, **MANAGER_TOKEN)
    assert again.status_code == 409


async def test_scope_follows_the_account_for_every_role(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    own = await open_one(clients, mine["id"])
    other = await open_one(clients, theirs["id"])

    async def ids(token: dict[str, str]) -> set[int]:
        response = await clients.get(OPPORTUNITIES, headers=token)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]} & {own["id"], other["id"]}

    assert await ids(KAM_TOKEN) == {own["id"]}
    assert await ids(SPECIALIST_TOKEN) == {other["id"]}
    assert await ids(LEAD_TOKEN) == {other["id"]}  # SPECIALIST reports to LEAD, KAM does not
    assert await ids(MANAGER_TOKEN) == {own["id"], other["id"]}
    assert await ids(FINANCE_TOKEN) == {own["id"], other["id"]}
    hidden = await clients.get(f"{OPPORTUNITIES}/{other['id']}", headers=KAM_TOKEN)
    missing = await clients.get(f"{OPPORTUNITIES}/987654", headers=KAM_TOKEN)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["type"] == missing.json()["type"]
    write = await clients.post(
        f"{OPPORTUNITIES}/{other['id']}/stage", json={"stage_code": "proposal"}, headers=KAM_TOKEN
    )
    assert write.status_code == 404
    on_theirs = await clients.post(
        f"{ACCOUNTS}/{theirs['id']}/opportunities", json=opportunity_body(), headers=KAM_TOKEN
    )
    assert on_theirs.status_code == 404
    finance = await clients.post(
        f"{ACCOUNTS}/{mine['id']}/opportunities", json=opportunity_body(), headers=FINANCE_TOKEN
    )
    assert finance.status_code == 403


async def test_people_in_a_body_must_be_assignable(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    path = f"{ACCOUNTS}/{account['id']}/opportunities"
    as_owner = await clients.post(path, json=opportunity_body(owner_id=LEAD), headers=KAM_TOKEN)
    assert as_owner.status_code == 422 and as_owner.json()["errors"][0]["type"] == "not_assignable"
    as_member = await clients.post(
        path,
        json=opportunity_body(members=[{"employee_id": SPECIALIST, "role": "presales"}]),
        headers=KAM_TOKEN,
    )
    assert as_member.status_code == 422
    mine = await clients.post(
        path,
        json=opportunity_body(members=[{"employee_id": KAM, "role": "presales"}]),
        headers=KAM_TOKEN,
    )
    assert mine.status_code == 201, mine.text


async def test_key_contacts_are_masked_outside_the_owners_line(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(
        clients, account["id"], phone="138-1234-5678", email="li.jianguo@example.com"
    )
    created = await open_one(
        clients, account["id"], contacts=[{"contact_id": contact["id"], "role": "buyer"}]
    )
    path = f"{OPPORTUNITIES}/{created['id']}"
    own = (await clients.get(path, headers=KAM_TOKEN)).json()["contacts"][0]
    assert (own["phone"], own["personal_data_masked"]) == ("138-1234-5678", False)
    for token in (FINANCE_TOKEN, bearer_admin()):
        seen = (await clients.get(path, headers=token)).json()["contacts"][0]
        assert seen["phone"] == "***-****-5678" and seen["email"] == "l***@example.com"
        assert seen["personal_data_masked"] is True
    other = await create_account(clients, owner_id=KAM)
    stranger = await create_contact(clients, other["id"])
    foreign = await clients.patch(
        path,
        json={"contacts": [{"contact_id": stranger["id"], "role": "user"}]},
        headers={"If-Match": '"1"'},
    )
    assert foreign.status_code == 422


def bearer_admin() -> dict[str, str]:
    return acting(MANAGER, Role.ADMIN)


async def test_filters_by_owner_stage_status_and_close_month(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    march = await open_one(clients, account["id"], expected_close_month="2027-03")
    june = await open_one(clients, account["id"], expected_close_month="2027-06")
    await post(clients, f"{OPPORTUNITIES}/{june['id']}/stage", {"stage_code": "proposal"})

    async def ids(**params: Any) -> list[int]:
        response = await clients.get(OPPORTUNITIES, params={"account_id": account["id"], **params})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [march["id"], june["id"]]
    assert await ids(stage="proposal") == [june["id"]]
    assert await ids(close_from="2027-04") == [june["id"]]
    assert await ids(close_to="2027-03") == [march["id"]]
    assert await ids(status="won") == []
    assert await ids(owner_id=KAM) == [march["id"], june["id"]]
    page = await clients.get(OPPORTUNITIES, params={"account_id": account["id"], "limit": 1})
    cursor = page.json()["next_cursor"]
    rest = await clients.get(
        OPPORTUNITIES, params={"account_id": account["id"], "limit": 1, "cursor": cursor}
    )
    assert [item["id"] for item in rest.json()["items"]] == [june["id"]]
    assert (await clients.get(OPPORTUNITIES, params={"close_from": "2027-13"})).status_code == 422


async def test_catalogue_and_competitors_are_kept_by_managers_and_read_by_everyone(
    clients: httpx.AsyncClient,
) -> None:
    item = await product(clients)
    rival = await competitor(clients)
    for path in (f"{PRODUCTS}/{item['id']}", f"{COMPETITORS}/{rival['id']}"):
        for token in (KAM_TOKEN, LEAD_TOKEN, FINANCE_TOKEN):
            assert (await clients.get(path, headers=token)).status_code == 200
        denied = await clients.patch(
            path, json={"active": False}, headers={**KAM_TOKEN, "If-Match": '"1"'}
        )
        assert denied.status_code == 403
        retired = await clients.patch(
            path, json={"active": False}, headers={**MANAGER_TOKEN, "If-Match": '"1"'}
        )
        assert retired.status_code == 200 and retired.json()["active"] is False
    duplicate = await clients.post(
        PRODUCTS,
        json={
            "code": item["code"],
            "name": "x",
            "unit": "套",
            "list_price": "1",
            "currency": "CNY",
        },
    )
    assert duplicate.status_code == 409
    assert (await clients.post(COMPETITORS, json={"name": rival["name"]})).status_code == 409
    account = await create_account(clients)
    retired_line = await clients.post(
        f"{ACCOUNTS}/{account['id']}/opportunities",
        json=opportunity_body(lines=[{"product_id": item["id"], "quantity": "1"}]),
    )
    assert retired_line.status_code == 422
    dollars = await product(clients, currency="USD")
    no_price = await clients.post(
        f"{ACCOUNTS}/{account['id']}/opportunities",
        json=opportunity_body(lines=[{"product_id": dollars["id"], "quantity": "1"}]),
    )
    assert no_price.status_code == 422 and "unit_price" in no_price.json()["detail"]


async def test_administrators_configure_the_pipeline(clients: httpx.AsyncClient) -> None:
    stages = (await clients.get(STAGES, headers=KAM_TOKEN)).json()
    assert [(s["code"], s["name"], s["default_probability"], s["outcome"]) for s in stages] == [
        ("lead", "线索", 10, "open"),
        ("qualified", "需求确认", 25, "open"),
        ("proposal", "方案/报价", 50, "open"),
        ("negotiation", "投标/谈判", 75, "open"),
        ("won", "赢单", 100, "won"),
        ("lost", "输单", 0, "lost"),
    ]
    body = {"code": "tender_prep", "name": "投标准备", "position": 35, "default_probability": 60}
    assert (await clients.post(STAGES, json=body, headers=MANAGER_TOKEN)).status_code == 403
    created = await clients.post(STAGES, json=body)
    assert created.status_code == 201, created.text
    taken = await clients.post(STAGES, json={**body, "code": "other"})
    assert taken.status_code == 409
    account = await create_account(clients)
    opportunity = await open_one(clients, account["id"], stage_code="tender_prep")
    assert opportunity["probability"] == 60
    in_use = await clients.patch(
        f"{STAGES}/tender_prep", json={"active": False}, headers={"If-Match": '"1"'}
    )
    assert in_use.status_code == 409 and in_use.json()["reason"] == "stage_in_use"
    won_stage = await clients.patch(
        f"{STAGES}/won", json={"active": False}, headers={"If-Match": '"1"'}
    )
    assert won_stage.status_code == 409
    await post(clients, f"{OPPORTUNITIES}/{opportunity['id']}/stage", {"stage_code": "lead"})
    retired = await clients.patch(
        f"{STAGES}/tender_prep", json={"active": False}, headers={"If-Match": '"1"'}
    )
    assert retired.status_code == 200, retired.text
    closed_stage = await clients.post(
        f"{ACCOUNTS}/{account['id']}/opportunities", json=opportunity_body(stage_code="won")
    )
    assert closed_stage.status_code == 422


async def test_a_team_member_from_another_line_reads_the_opportunity_but_does_not_write_it(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    created = await open_one(
        clients, account["id"], members=[{"employee_id": SPECIALIST, "role": "presales"}]
    )
    path = f"{OPPORTUNITIES}/{created['id']}"
    seen = await clients.get(path, headers=SPECIALIST_TOKEN)
    assert seen.status_code == 200, seen.text
    listed = (await clients.get(OPPORTUNITIES, headers=SPECIALIST_TOKEN)).json()
    assert created["id"] in {item["id"] for item in listed["items"]}
    assert (await clients.get(f"{path}/stage-history", headers=SPECIALIST_TOKEN)).status_code == 200
    # The account itself stays out of his sight, and so do writes on the opportunity.
    assert (
        await clients.get(f"{ACCOUNTS}/{account['id']}", headers=SPECIALIST_TOKEN)
    ).status_code == 404
    moved = await clients.post(
        f"{path}/stage", json={"stage_code": "proposal"}, headers=SPECIALIST_TOKEN
    )
    assert moved.status_code == 404


async def test_winning_in_a_currency_without_a_rate_signs_nothing(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    created = await open_one(clients, account["id"], currency="EUR", amount="50000.00")
    response = await post(
        clients,
        f"{OPPORTUNITIES}/{created['id']}/win",
        {
            "contract": {
                "number": f"HT-{uuid.uuid4().hex[:8]}",
                "start_date": today().isoformat(),
                "end_date": (today() + timedelta(days=30)).isoformat(),
            }
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "missing_exchange_rate"
    after = (await clients.get(f"{OPPORTUNITIES}/{created['id']}")).json()
    assert after["status"] == "open" and after["contract_id"] is None


async def test_patch_replaces_the_lists_and_moves_the_close_month(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    item = await product(clients, list_price="1000.00")
    created = await open_one(
        clients,
        account["id"],
        members=[{"employee_id": SPECIALIST, "role": "presales"}],
        lines=[{"product_id": item["id"], "quantity": "3"}],
    )
    path = f"{OPPORTUNITIES}/{created['id']}"
    changed = await clients.patch(
        path,
        json={
            "expected_close_month": "2027-09",
            "members": [{"employee_id": LEAD, "role": "delivery"}],
            "lines": [{"product_id": item["id"], "quantity": "1.5", "discount_percent": "10"}],
            "next_step": None,
        },
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["expected_close_month"] == "2027-09" and body["version"] == 2
    assert body["members"] == [{"employee_id": LEAD, "role": "delivery"}]
    assert [line["total"]["amount"] for line in body["lines"]] == ["1350.00"]
    currency = await clients.patch(path, json={"currency": "USD"}, headers={"If-Match": '"2"'})
    assert currency.status_code == 422 and currency.json()["errors"][0]["loc"] == [
        "body",
        "currency",
    ]
    nothing = await clients.patch(path, json={"name": body["name"]}, headers={"If-Match": '"2"'})
    assert nothing.status_code == 200 and nothing.json()["version"] == 2
    null = await clients.patch(path, json={"amount": None}, headers={"If-Match": '"2"'})
    assert null.status_code == 422
    trail = await clients.get(
        "/v1/clients/audit", params={"entity": "opportunity", "entity_id": created["id"]}
    )
    actions = [entry["action"] for entry in trail.json()["items"]]
    assert sorted(actions) == ["create", "update"]


async def test_values_beyond_what_money_can_hold_are_refused_not_failed(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    item = await product(clients, list_price="9999999999999999.99")
    huge = await clients.post(
        f"{ACCOUNTS}/{account['id']}/opportunities",
        json=opportunity_body(lines=[{"product_id": item["id"], "quantity": "999999999999999"}]),
    )
    assert huge.status_code == 422 and "worth more than" in huge.json()["detail"]
    year_zero = await clients.get(OPPORTUNITIES, params={"close_from": "0000-01"})
    assert year_zero.status_code == 422

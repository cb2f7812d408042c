"""Contracts: drafts, signing (base value, prospect → existing, immediate regrade),
termination, renewal chains, bad input, scope, lists and export."""

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import ACCOUNTS, KAM, LEAD, MANAGER, SPECIALIST, acting, create_account
from tests.conftest import post_current

CONTRACTS = "/v1/clients/contracts"
RATES = "/v1/clients/exchange-rates"
KAM_TOKEN = acting(KAM, Role.ACCOUNT_MANAGER)
LEAD_TOKEN = acting(LEAD, Role.TEAM_LEAD)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def contract_body(**fields: Any) -> dict[str, Any]:
    return {
        "number": f"HT-{uuid.uuid4().hex[:10]}",
        "title": "配电运维服务合同",
        "amount": "100000.00",
        "currency": "CNY",
        "start_date": ago(60),
        "end_date": (today() + timedelta(days=300)).isoformat(),
        **fields,
    }


async def draft(client: httpx.AsyncClient, account_id: int, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{ACCOUNTS}/{account_id}/contracts", json=contract_body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


async def sign(
    client: httpx.AsyncClient, contract_id: int, signed_on: str | None = None, **kwargs: Any
) -> httpx.Response:
    body = {} if signed_on is None else {"signed_on": signed_on}
    return await post_current(client, f"{CONTRACTS}/{contract_id}", "/sign", json=body, **kwargs)


async def signed(client: httpx.AsyncClient, account_id: int, **fields: Any) -> dict[str, Any]:
    contract = await draft(client, account_id, **fields)
    response = await sign(client, contract["id"], ago(5))
    assert response.status_code == 200, response.text
    return response.json()


async def audit_actions(client: httpx.AsyncClient, entity: str, entity_id: int) -> list[str]:
    response = await client.get(
        "/v1/clients/audit", params={"entity": entity, "entity_id": entity_id}
    )
    return sorted(entry["action"] for entry in response.json()["items"])


async def test_signing_a_big_contract_makes_an_existing_a_grade_account(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    assert (account["trade_class"], account["grade"]) == ("prospect", "C")
    contract = await draft(clients, account["id"], amount="6000000.00")
    assert contract["status"] == "draft" and contract["amount_base"] is None
    assert contract["amount"] == {"amount": "6000000.00", "currency": "CNY"}
    response = await sign(clients, contract["id"], ago(30), headers=acting(MANAGER))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "signed" and body["signed_on"] == ago(30)
    assert body["amount_base"] == {"amount": "6000000.00", "currency": "CNY"}
    assert (body["owner_id"], body["signed_by"], body["version"]) == (KAM, MANAGER, 2)
    assert response.headers["ETag"] == '"2"'

    after = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert (after["trade_class"], after["grade"]) == ("existing", "A")
    assert after["version"] > account["version"]
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/grade-history")).json()["items"]
    assert history[0]["grade"] == "A" and history[0]["contract_value"] == "6000000.00"
    assert await audit_actions(clients, "contract", contract["id"]) == ["create", "sign"]
    account_audit = await clients.get(
        "/v1/clients/audit", params={"entity": "account", "entity_id": account["id"]}
    )
    assert any(
        (e["after"] or {}).get("trade_class") == "existing" for e in account_audit.json()["items"]
    )


async def test_a_foreign_contract_converts_at_the_rate_of_its_signing_day(
    clients: httpx.AsyncClient,
) -> None:
    assert (await clients.put(f"{RATES}/USD/{ago(100)}", json={"rate": "7.0"})).status_code == 201
    assert (await clients.put(f"{RATES}/USD/{ago(10)}", json={"rate": "7.3"})).status_code == 201
    account = await create_account(clients)
    older = await draft(clients, account["id"], amount="800000.00", currency="USD")
    body = (await sign(clients, older["id"], ago(50))).json()
    assert body["amount"] == {"amount": "800000.00", "currency": "USD"}
    assert body["amount_base"] == {"amount": "5600000.00", "currency": "CNY"}
    assert (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()["grade"] == "A"
    newer = await draft(clients, account["id"], amount="0.15", currency="USD")
    assert (await sign(clients, newer["id"], ago(10))).json()["amount_base"]["amount"] == "1.10"


async def test_signing_without_a_rate_is_refused_and_changes_nothing(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    contract = await draft(clients, account["id"], amount="9000000.00", currency="EUR")
    response = await sign(clients, contract["id"], ago(1))
    assert response.status_code == 409, response.text
    assert (
        response.json()["reason"] == "missing_exchange_rate" and "EUR" in response.json()["detail"]
    )
    assert (await clients.get(f"{CONTRACTS}/{contract['id']}")).json()["status"] == "draft"
    unchanged = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert (unchanged["trade_class"], unchanged["grade"]) == ("prospect", "C")


async def test_bad_contract_input_writes_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/contracts"
    taken = await draft(clients, account["id"])
    for fields in (
        {"start_date": "2026-06-01", "end_date": "2026-05-31"},
        {"amount": "-100.00"},
        {"amount": "0"},
        {"amount": "abc"},
        {"amount": 1250.5},
        {"amount": "1.005"},
        {"currency": "usd"},
        {"number": ""},
        {"number": "x" * 51},
        {"unknown": 1},
    ):
        response = await clients.post(url, json=contract_body(**fields))
        assert response.status_code == 422, (fields, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    duplicate = await clients.post(url, json=contract_body(number=taken["number"]))
    assert duplicate.status_code == 409 and duplicate.json()["reason"] == "duplicate_number"
    missing = await clients.post(f"{ACCOUNTS}/999999/contracts", json=contract_body())
    assert missing.status_code == 404
    archived = await create_account(clients)
    assert (
        await post_current(clients, f"{ACCOUNTS}/{archived['id']}", "/archive")
    ).status_code == 200
    refused = await clients.post(f"{ACCOUNTS}/{archived['id']}/contracts", json=contract_body())
    assert refused.status_code == 409 and refused.json()["reason"] == "account_archived"
    listed = (await clients.get(CONTRACTS, params={"account_id": account["id"]})).json()["items"]
    assert [c["id"] for c in listed] == [taken["id"]]
    assert (await clients.get(CONTRACTS, params={"account_id": archived["id"]})).json()[
        "items"
    ] == []


async def test_drafts_are_edited_with_if_match_and_signed_ones_are_not(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    contract = await draft(clients, account["id"])
    other = await draft(clients, account["id"])
    url = f"{CONTRACTS}/{contract['id']}"
    assert (await clients.patch(url, json={"title": "新"})).status_code == 428
    stale = await clients.patch(url, json={"title": "新"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    backwards = await clients.patch(url, json={"end_date": ago(61)}, headers={"If-Match": '"1"'})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["loc"] == [
        "body",
        "end_date",
    ]
    clash = await clients.patch(url, json={"number": other["number"]}, headers={"If-Match": '"1"'})
    assert clash.status_code == 409
    assert (
        await clients.patch(url, json={"amount": None}, headers={"If-Match": '"1"'})
    ).status_code == 422
    ok = await clients.patch(
        url, json={"title": "变更后的合同", "amount": "120000.50"}, headers={"If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["amount"]["amount"] == "120000.50" and ok.json()["version"] == 2
    assert ok.headers["ETag"] == '"2"'
    assert (
        await sign(clients, contract["id"], ago(1), headers={"If-Match": '"1"'})
    ).status_code == 412
    assert (
        await sign(clients, contract["id"], ago(1), headers={"If-Match": '"2"'})
    ).status_code == 200
    locked = await clients.patch(url, json={"title": "再改"}, headers={"If-Match": '"3"'})
    assert locked.status_code == 409 and locked.json()["reason"] == "not_draft"
    assert (await sign(clients, contract["id"])).status_code == 409
    assert await audit_actions(clients, "contract", contract["id"]) == ["create", "sign", "update"]


async def test_signing_dates(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    contract = await draft(clients, account["id"], start_date=ago(400), end_date=ago(200))
    future = await sign(clients, contract["id"], (today() + timedelta(days=2)).isoformat())
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["body", "signed_on"]
    assert (await sign(clients, contract["id"], ago(100))).status_code == 422  # after its end
    old = await sign(clients, contract["id"], ago(300))
    assert old.status_code == 200
    assert old.json()["status"] == "expired"  # derived on read: signed and past its end
    expired = await clients.get(
        CONTRACTS, params={"account_id": account["id"], "status": "expired"}
    )
    assert [c["id"] for c in expired.json()["items"]] == [contract["id"]]
    in_force = await clients.get(
        CONTRACTS, params={"account_id": account["id"], "status": "signed"}
    )
    assert in_force.json()["items"] == []


async def test_termination(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    contract = await draft(clients, account["id"])
    record = f"{CONTRACTS}/{contract['id']}"
    url = f"{record}/terminate"
    assert (
        await post_current(clients, record, "/terminate", json={"reason": "协商解除"})
    ).status_code == 409
    assert (await clients.post(url, json={"reason": "协商解除"})).status_code == 428
    await sign(clients, contract["id"], ago(20))
    early = await post_current(
        clients, record, "/terminate", json={"reason": "协商解除", "terminated_on": ago(21)}
    )
    assert early.status_code == 422
    assert (
        await post_current(clients, record, "/terminate", json={"terminated_on": ago(1)})
    ).status_code == 422
    done = await post_current(
        clients, record, "/terminate", json={"reason": "客户业务调整", "terminated_on": ago(1)}
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["terminated_on"], body["termination_reason"]) == (
        "terminated",
        ago(1),
        "客户业务调整",
    )
    again = await clients.post(
        url, json={"reason": "再次"}, headers={"If-Match": done.headers["etag"]}
    )
    assert again.status_code == 409
    assert await audit_actions(clients, "contract", contract["id"]) == [
        "create",
        "sign",
        "terminate",
    ]


async def test_renewal_chain(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    first = await signed(clients, account["id"], title="年度运维合同", end_date=ago(1))
    renew_url = f"{CONTRACTS}/{first['id']}/renewals"
    bad = await clients.post(
        renew_url, json={"number": "HT-R-X", "start_date": ago(0), "end_date": ago(2)}
    )
    assert bad.status_code == 422
    response = await clients.post(
        renew_url, json={"number": f"HT-R-{uuid.uuid4().hex[:6]}", "end_date": ago(-365)}
    )
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["renewal_of_id"] == first["id"] and second["status"] == "draft"
    assert (second["title"], second["amount"]) == ("年度运维合同", first["amount"])
    assert second["start_date"] == ago(0)  # the day after the previous end
    twice = await clients.post(renew_url, json={"number": "HT-R-TWICE", "end_date": ago(-365)})
    assert twice.status_code == 409 and twice.json()["reason"] == "already_renewed"
    unsigned = await clients.post(
        f"{CONTRACTS}/{second['id']}/renewals", json={"number": "HT-R-D", "end_date": ago(-700)}
    )
    assert unsigned.status_code == 409
    assert (await sign(clients, second["id"], ago(0))).status_code == 200
    third = (
        await clients.post(
            f"{CONTRACTS}/{second['id']}/renewals",
            json={
                "number": f"HT-R-{uuid.uuid4().hex[:6]}",
                "amount": "1.00",
                "end_date": ago(-900),
            },
        )
    ).json()
    for member in (first, second, third):
        chain = (await clients.get(f"{CONTRACTS}/{member['id']}/renewal-chain")).json()
        assert [c["id"] for c in chain] == [first["id"], second["id"], third["id"]]
    assert await audit_actions(clients, "contract", second["id"]) == ["renew", "sign"]


async def test_scope_lists_and_filters(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    tag = uuid.uuid4().hex[:6]
    kam_contract = await signed(clients, mine["id"], title=f"甲{tag}", amount="10.00")
    their_contract = await draft(clients, theirs["id"], title=f"乙{tag}", currency="USD")

    async def ids(headers: dict[str, str] | None = None, **params: Any) -> list[int]:
        response = await clients.get(CONTRACTS, params={"q": tag, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await ids() == [kam_contract["id"], their_contract["id"]]
    assert await ids(KAM_TOKEN) == [kam_contract["id"]]
    assert await ids(LEAD_TOKEN) == [their_contract["id"]]
    assert await ids(team_of=LEAD) == [their_contract["id"]]
    assert await ids(owner_id=[KAM]) == [kam_contract["id"]]
    assert await ids(status=["draft"]) == [their_contract["id"]]
    assert await ids(status=["draft", "signed"]) == [kam_contract["id"], their_contract["id"]]
    assert await ids(currency="USD") == [their_contract["id"]]
    assert await ids(signed_from=ago(6), signed_to=ago(4)) == [kam_contract["id"]]
    assert await ids(signed_from=ago(3)) == []
    assert await ids(q=kam_contract["number"]) == [kam_contract["id"]]
    page = (await clients.get(CONTRACTS, params={"q": tag, "limit": 1})).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = (
        await clients.get(CONTRACTS, params={"q": tag, "limit": 1, "cursor": page["next_cursor"]})
    ).json()
    assert [c["id"] for c in rest["items"]] == [their_contract["id"]]

    hidden = f"{CONTRACTS}/{their_contract['id']}"
    assert (await clients.get(hidden, headers=KAM_TOKEN)).status_code == 404
    assert (await clients.get(f"{hidden}/renewal-chain", headers=KAM_TOKEN)).status_code == 404
    assert (await sign(clients, their_contract["id"], headers=KAM_TOKEN)).status_code == 404
    patch = await clients.patch(
        hidden, json={"title": "抢"}, headers={**KAM_TOKEN, "If-Match": '"1"'}
    )
    assert patch.status_code == 404
    assert (
        await clients.get(f"{ACCOUNTS}/{theirs['id']}/contracts", headers=KAM_TOKEN)
    ).status_code == 404
    created = await clients.post(
        f"{ACCOUNTS}/{theirs['id']}/contracts", json=contract_body(), headers=KAM_TOKEN
    )
    assert created.status_code == 404
    own = await clients.get(f"{ACCOUNTS}/{mine['id']}/contracts", headers=KAM_TOKEN)
    assert [c["id"] for c in own.json()["items"]] == [kam_contract["id"]]
    read_only = await clients.post(
        f"{ACCOUNTS}/{mine['id']}/contracts", json=contract_body(), headers=bearer_finance()
    )
    assert read_only.status_code == 403


def bearer_finance() -> dict[str, str]:
    from tests.conftest import bearer

    return bearer(Role.FINANCE)


async def test_export_streams_the_filtered_list_as_csv(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    other = await create_account(clients, owner_id=SPECIALIST)
    contract = await signed(clients, account["id"], title="导出合同", amount="1234.56")
    await draft(clients, other["id"])
    response = await clients.get(
        f"{CONTRACTS}/export", params={"lang": "en", "q": "导出"}, headers=KAM_TOKEN
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["id"], r["title"], r["amount"], r["amount_base"], r["status"]) for r in rows] == [
        (str(contract["id"]), "导出合同", "1234.56", "1234.56", "signed")
    ]
    everyone = await clients.get(
        f"{CONTRACTS}/export", params={"lang": "en", "owner_id": [SPECIALIST]}
    )
    assert len(list(csv.DictReader(io.StringIO(everyone.content.decode("utf-8-sig"))))) >= 1

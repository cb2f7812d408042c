"""The accounts API against the real database, each test rolled back."""

import httpx

from services.clients.accounts.rules import credit_code_check_character
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTED,
    KAM,
    LEAD,
    MANAGER,
    ON_LEAVE,
    SPECIALIST,
    create_account,
    credit_code,
)
from tests.conftest import post_current

BASE = ACCOUNTS


def valid_code(body: str = "91310000MA1FL0000") -> str:
    return body + credit_code_check_character(body)


async def count_named(client: httpx.AsyncClient, text: str) -> int:
    page = await client.get(BASE, params={"q": text, "status": ["active", "archived"]})
    return len(page.json()["items"])


async def test_create_and_get(clients: httpx.AsyncClient) -> None:
    code = valid_code()
    response = await clients.post(
        BASE,
        json={
            "legal_name": "测试电力工程有限公司",
            "credit_code": code.lower(),
            "owner_id": KAM,
            "content_class": "resource_public",
            "trade_class": "existing",
            "tags": ["重点", "重点", "国企"],
        },
    )
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["credit_code"] == code
    assert account["tags"] == ["重点", "国企"]
    assert (account["grade"], account["grade_source"]) == ("C", "computed")
    assert response.headers["etag"] == '"1"'
    got = await clients.get(f"{BASE}/{account['id']}")
    assert got.json()["legal_name"] == "测试电力工程有限公司"
    assert got.json()["trade_class"] == "existing"


async def test_bad_check_digit_is_422_with_reason(clients: httpx.AsyncClient) -> None:
    code = valid_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = await clients.post(
        BASE, json={"legal_name": "校验位错误公司", "credit_code": wrong, "owner_id": KAM}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "check character" in response.json()["errors"][0]["msg"]
    assert await count_named(clients, "校验位错误公司") == 0


async def test_duplicate_credit_code_is_409(clients: httpx.AsyncClient) -> None:
    code = valid_code("91440300MA5DC1111")
    body = {"legal_name": "深圳甲公司", "credit_code": code, "owner_id": KAM}
    first = await clients.post(BASE, json=body)
    again = await clients.post(BASE, json={**body, "legal_name": "深圳乙公司"})
    assert again.status_code == 409
    assert str(first.json()["id"]) in again.json()["detail"]
    assert await count_named(clients, "深圳乙公司") == 0


async def test_owner_must_be_an_active_employee(clients: httpx.AsyncClient) -> None:
    for owner, words in ((DEPARTED, "departed"), (ON_LEAVE, "on leave"), (77777, "not known")):
        response = await clients.post(BASE, json={"legal_name": "无主客户", "owner_id": owner})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert words in problem["detail"]
        assert problem["errors"][0]["loc"] == ["body", "owner_id"]
    assert await count_named(clients, "无主客户") == 0


async def test_owner_may_not_be_set_to_nonsense(clients: httpx.AsyncClient) -> None:
    response = await clients.post(BASE, json={"legal_name": "x", "owner_id": 0})
    assert response.status_code == 422


async def test_update_needs_a_current_if_match(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, short_name="旧简称")
    url = f"{BASE}/{account['id']}"
    missing = await clients.patch(url, json={"short_name": "新简称"})
    assert missing.status_code == 428
    stale = await clients.patch(url, json={"short_name": "新简称"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"1"'
    assert (await clients.get(url)).json()["short_name"] == "旧简称"
    ok = await clients.patch(
        url, json={"short_name": "新简称", "status": "dormant"}, headers={"If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    assert (ok.json()["short_name"], ok.json()["status"]) == ("新简称", "dormant")


async def test_update_refuses_owner_and_grade_fields(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{BASE}/{account['id']}"
    for body in ({"owner_id": LEAD}, {"grade": "A"}, {"credit_score": 99}, {"status": "archived"}):
        response = await clients.patch(url, json=body, headers={"If-Match": '"1"'})
        assert response.status_code == 422, body
    assert (await clients.get(url)).json()["version"] == 1


async def test_update_credit_code_taken_is_409(clients: httpx.AsyncClient) -> None:
    await create_account(clients, credit_code=credit_code(1))
    other = await create_account(clients)
    response = await clients.patch(
        f"{BASE}/{other['id']}", json={"credit_code": credit_code(1)}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 409
    assert (await clients.get(f"{BASE}/{other['id']}")).json()["credit_code"] is None


async def test_group_hierarchy_and_cycles(clients: httpx.AsyncClient) -> None:
    group = await create_account(clients, legal_name="华东能源集团有限公司")
    child = await create_account(clients, parent_id=group["id"], owner_id=SPECIALIST)
    grandchild = await create_account(clients, parent_id=child["id"])
    await create_account(clients, parent_id=group["id"])

    cycle = await clients.patch(
        f"{BASE}/{group['id']}", json={"parent_id": grandchild["id"]}, headers={"If-Match": '"1"'}
    )
    assert cycle.status_code == 409
    assert "cycle" in cycle.json()["detail"]
    itself = await clients.patch(
        f"{BASE}/{group['id']}", json={"parent_id": group["id"]}, headers={"If-Match": '"1"'}
    )
    assert itself.status_code == 409
    assert (await clients.get(f"{BASE}/{group['id']}")).json()["parent_id"] is None

    unknown = await clients.post(
        BASE, json={"legal_name": "孤儿公司", "owner_id": KAM, "parent_id": 999999}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "parent_id"]

    summary = (await clients.get(f"{BASE}/{group['id']}/group-summary")).json()
    assert summary["direct_subsidiaries"] == 2
    assert summary["subsidiaries"] == 3
    assert summary["grade_distribution"] == {"C": 4}
    assert summary["owner_ids"] == sorted({KAM, SPECIALIST})
    assert summary["contract_value_12m"] == {"amount": "0.00", "currency": "CNY"}

    detach = await clients.patch(
        f"{BASE}/{child['id']}", json={"parent_id": None}, headers={"If-Match": '"1"'}
    )
    assert detach.status_code == 200
    assert detach.json()["parent_id"] is None


async def test_archive_and_restore(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, legal_name="归档测试有限公司")
    url = f"{BASE}/{account['id']}"
    archived = await post_current(clients, f"{url}", "/archive")
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert archived.json()["archived_at"] is not None
    listed = await clients.get(BASE, params={"q": "归档测试"})
    assert listed.json()["items"] == []
    only_archived = await clients.get(BASE, params={"q": "归档测试", "status": "archived"})
    assert len(only_archived.json()["items"]) == 1
    assert (await post_current(clients, f"{url}", "/archive")).status_code == 409
    change = await clients.patch(url, json={"short_name": "x"}, headers={"If-Match": '"2"'})
    assert change.status_code == 409
    restored = await post_current(clients, f"{url}", "/restore")
    assert restored.json()["status"] == "active"
    assert (await post_current(clients, f"{url}", "/restore")).status_code == 409
    stale = await clients.post(f"{url}/archive", headers={"If-Match": '"1"'})
    assert stale.status_code == 412


async def test_filters(clients: httpx.AsyncClient) -> None:
    await create_account(
        clients, legal_name="筛选甲", owner_id=KAM, industry="电力", region="华东", tags=["重点"]
    )
    await create_account(
        clients,
        legal_name="筛选乙",
        owner_id=SPECIALIST,
        industry="通信",
        content_class="resource_public",
        tags=["重点", "国企"],
    )
    await create_account(clients, legal_name="筛选丙", owner_id=MANAGER, trade_class="existing")

    async def names(**params: object) -> list[str]:
        response = await clients.get(BASE, params={"q": "筛选", **params})
        assert response.status_code == 200, response.text
        return sorted(a["legal_name"] for a in response.json()["items"])

    assert await names(owner_id=KAM) == ["筛选甲"]
    assert await names(owner_id=[KAM, MANAGER]) == ["筛选丙", "筛选甲"]
    assert await names(team_of=LEAD) == ["筛选乙"]
    assert await names(team_of=MANAGER) == ["筛选丙", "筛选乙", "筛选甲"]
    assert await names(industry="电力") == ["筛选甲"]
    assert await names(region="华东") == ["筛选甲"]
    assert await names(tag="重点") == ["筛选乙", "筛选甲"]
    assert await names(tag=["重点", "国企"]) == ["筛选乙"]
    assert await names(content_class="resource_public") == ["筛选乙"]
    assert await names(trade_class="existing") == ["筛选丙"]
    assert await names(grade="C") == ["筛选丙", "筛选乙", "筛选甲"]
    assert await names(grade="A") == []
    assert await names(q="100%_") == []
    bad = await clients.get(BASE, params={"grade": "Z"})
    assert bad.status_code == 422


async def test_sorted_keyset_pages(clients: httpx.AsyncClient) -> None:
    for name in ("排序戊", "排序甲", "排序丙", "排序乙", "排序丁"):
        await create_account(clients, legal_name=name)
    for sort in ("legal_name", "-legal_name", "-id", "created_at", "-updated_at"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {
                "q": "排序",
                "limit": 2,
                "sort": sort,
                **({"cursor": cursor} if cursor else {}),
            }
            page = (await clients.get(BASE, params=params)).json()
            seen += [a["legal_name"] for a in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 5, sort
        if sort == "legal_name":
            assert seen == sorted(seen)
        if sort == "-legal_name":
            assert seen == sorted(seen, reverse=True)


async def test_bad_cursors_are_400(clients: httpx.AsyncClient) -> None:
    await create_account(clients, legal_name="游标甲")
    page = (await clients.get(BASE, params={"limit": 1, "sort": "legal_name"})).json()
    other_sort = await clients.get(BASE, params={"cursor": page["next_cursor"], "sort": "-id"})
    assert other_sort.status_code == 400
    garbage = await clients.get(BASE, params={"cursor": "!!!"})
    assert garbage.status_code == 400


async def test_unknown_account_is_404_problem(clients: httpx.AsyncClient) -> None:
    response = await clients.get(f"{BASE}/999999")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:kam:problem:not-found"
    for path in ("group-summary", "grade-history", "ownership-history", "contacts"):
        assert (await clients.get(f"{BASE}/999999/{path}")).status_code == 404

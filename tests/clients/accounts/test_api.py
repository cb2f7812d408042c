"""The accounts API against the real database, each test rolled back."""

import httpx

from services.clients.accounts.rules import credit_code_check_character

BASE = "/v1/clients/accounts"


def valid_code(body: str = "91310000MA1FL0000") -> str:
    return body + credit_code_check_character(body)


async def test_create_and_get(clients_client: httpx.AsyncClient) -> None:
    code = valid_code()
    response = await clients_client.post(
        BASE,
        json={"legal_name": "测试电力工程有限公司", "credit_code": code.lower(), "owner_id": 7},
    )
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["credit_code"] == code
    assert account["trade_class"] == "prospect"
    got = await clients_client.get(f"{BASE}/{account['id']}")
    assert got.json()["legal_name"] == "测试电力工程有限公司"


async def test_bad_check_digit_is_422_with_reason(clients_client: httpx.AsyncClient) -> None:
    code = valid_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = await clients_client.post(
        BASE, json={"legal_name": "x公司", "credit_code": wrong, "owner_id": 7}
    )
    assert response.status_code == 422
    assert "check character" in response.json()["errors"][0]["msg"]


async def test_duplicate_credit_code_is_409(clients_client: httpx.AsyncClient) -> None:
    code = valid_code("91440300MA5DC1111")
    body = {"legal_name": "深圳甲公司", "credit_code": code, "owner_id": 3}
    assert (await clients_client.post(BASE, json=body)).status_code == 201
    again = await clients_client.post(BASE, json={**body, "legal_name": "深圳乙公司"})
    assert again.status_code == 409


async def test_filters(clients_client: httpx.AsyncClient) -> None:
    for owner in (101, 101, 102):
        await clients_client.post(BASE, json={"legal_name": f"筛选测试{owner}", "owner_id": owner})
    page = (await clients_client.get(BASE, params={"owner_id": 101, "q": "筛选测试"})).json()
    assert len(page["items"]) == 2
    assert {a["owner_id"] for a in page["items"]} == {101}


async def test_owner_may_not_be_set_to_nonsense(clients_client: httpx.AsyncClient) -> None:
    response = await clients_client.post(BASE, json={"legal_name": "x", "owner_id": 0})
    assert response.status_code == 422

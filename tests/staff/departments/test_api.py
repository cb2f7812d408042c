"""The departments API against the real database, each test rolled back."""

import httpx

BASE = "/v1/staff/departments"


async def create(client: httpx.AsyncClient, code: str, **fields: object) -> dict:
    response = await client.post(BASE, json={"code": code, "name": f"部门{code}", **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_get_and_list(staff_client: httpx.AsyncClient) -> None:
    root = await create(staff_client, "T-ROOT", planned_headcount=10)
    child = await create(
        staff_client,
        "T-CHILD",
        parent_id=root["id"],
        functions=[
            {"code": "client_management", "name": "客户管理", "sub_functions": ["客户开发"]}
        ],
    )
    got = await staff_client.get(f"{BASE}/{child['id']}")
    assert got.status_code == 200
    assert got.headers["etag"] == '"1"'
    assert got.json()["functions"][0]["sub_functions"] == ["客户开发"]
    listed = await staff_client.get(BASE, params={"parent_id": root["id"]})
    assert [d["code"] for d in listed.json()["items"]] == ["T-CHILD"]


async def test_list_pages_with_a_cursor(staff_client: httpx.AsyncClient) -> None:
    codes = [f"T-P{i}" for i in range(5)]
    for code in codes:
        await create(staff_client, code)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": "T-P", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await staff_client.get(BASE, params=params)).json()
        seen += [d["code"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == codes


async def test_duplicate_code_is_409(staff_client: httpx.AsyncClient) -> None:
    await create(staff_client, "T-DUP")
    response = await staff_client.post(BASE, json={"code": "T-DUP", "name": "again"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_parent_is_422_and_nothing_written(staff_client: httpx.AsyncClient) -> None:
    response = await staff_client.post(
        BASE, json={"code": "T-ORPHAN", "name": "x", "parent_id": 999999}
    )
    assert response.status_code == 422
    listed = await staff_client.get(BASE, params={"q": "T-ORPHAN"})
    assert listed.json()["items"] == []


async def test_unknown_fields_are_refused(staff_client: httpx.AsyncClient) -> None:
    response = await staff_client.post(BASE, json={"code": "T-X", "name": "x", "owner": 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner"]


async def test_update_needs_a_current_if_match(staff_client: httpx.AsyncClient) -> None:
    dept = await create(staff_client, "T-UPD")
    url = f"{BASE}/{dept['id']}"
    missing = await staff_client.patch(url, json={"name": "新名称"})
    assert missing.status_code == 428
    ok = await staff_client.patch(url, json={"name": "新名称"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = await staff_client.patch(url, json={"name": "另一个"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await staff_client.get(url)).json()["name"] == "新名称"


async def test_moving_under_own_descendant_is_409(staff_client: httpx.AsyncClient) -> None:
    top = await create(staff_client, "T-TOP")
    mid = await create(staff_client, "T-MID", parent_id=top["id"])
    low = await create(staff_client, "T-LOW", parent_id=mid["id"])
    for target in (low["id"], top["id"]):
        response = await staff_client.patch(
            f"{BASE}/{top['id']}", json={"parent_id": target}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 409
    assert (await staff_client.get(f"{BASE}/{top['id']}")).json()["parent_id"] is None


async def test_unknown_id_and_huge_id(staff_client: httpx.AsyncClient) -> None:
    assert (await staff_client.get(f"{BASE}/999999")).status_code == 404
    assert (await staff_client.get(f"{BASE}/99999999999999999999")).status_code == 422

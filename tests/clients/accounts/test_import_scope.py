"""Import within the caller's scope (issue 18, defect 3): a row matching another
manager's account changes nothing and reveals only that the account exists."""

import httpx

from shared.auth.principal import Role
from tests.clients.accounts.test_files import csv_bytes
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    credit_code,
)

IMPORT = f"{ACCOUNTS}/import"
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)


async def import_as(
    client: httpx.AsyncClient, rows: list[list[object]], headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        IMPORT, content=csv_bytes(rows), headers={"Content-Type": "text/csv", **headers}
    )


async def test_rows_matching_another_managers_account_are_refused_revealing_nothing(
    clients: httpx.AsyncClient,
) -> None:
    code = credit_code(6601)
    theirs = await create_account(
        clients, legal_name="同事的客户有限公司", credit_code=code, owner_id=LEAD,
        industry="能源", tags=["重点"],
    )  # fmt: skip
    await create_account(clients, legal_name="同事的另一客户", owner_id=LEAD)
    response = await import_as(
        clients,
        [
            ["改名有限公司", code, "金融", KAM, "", "project_single"],
            ["同事的另一客户", "", "金融", KAM, "", "project_single"],
            ["同事的客户有限公司", credit_code(6602), "金融", KAM, "", "project_single"],
            ["我的新客户", "", "", KAM, "", "project_single"],
        ],
        AS_KAM,
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["invalid_rows"] == [2, 3, 4]
    assert {(e["loc"][1], e["loc"][2], e["type"]) for e in problem["errors"]} == {
        (2, "credit_code", "exists_out_of_scope"),
        (3, "legal_name", "exists_out_of_scope"),
        (4, "legal_name", "exists_out_of_scope"),
    }
    for error in problem["errors"]:
        assert error["msg"] == (
            f"an account with this {error['loc'][2]} already exists and is not one you may change"
        )
    assert code not in response.text
    # Nothing changed, not even the good row was imported.
    stored = (await clients.get(f"{ACCOUNTS}/{theirs['id']}")).json()
    assert (stored["legal_name"], stored["industry"], stored["tags"]) == (
        "同事的客户有限公司", "能源", ["重点"],
    )  # fmt: skip
    page = await clients.get(ACCOUNTS, params={"q": "我的新客户"})
    assert page.json()["items"] == []


async def test_an_import_names_as_owner_only_people_one_may_assign(
    clients: httpx.AsyncClient,
) -> None:
    refused = await import_as(
        clients, [["替同事建的客户", "", "", LEAD, "", "project_single"]], AS_KAM
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["loc"][2], error["type"]) == ("owner_id", "not_assignable")

    # A team lead imports for his line and updates its accounts.
    mine = await create_account(clients, legal_name="组员的客户", owner_id=SPECIALIST)
    done = await import_as(
        clients,
        [
            ["组员的客户", "", "制造", SPECIALIST, "", "project_single"],
            ["组长新建客户", "", "", SPECIALIST, "", "project_single"],
        ],
        AS_LEAD,
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0}
    assert (await clients.get(f"{ACCOUNTS}/{mine['id']}")).json()["industry"] == "制造"

"""Import within the caller's scope (issue 18, defect 3): a row matching another
manager's account changes nothing and reveals only that the account exists; one with its
credit code opens an ownership dispute instead (撞单, issue 23), as creating it would."""

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
DISPUTES = "/v1/clients/ownership-disputes"
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
    # Row 2 (their credit code) would open a dispute: not an error, but not done either.
    assert problem["invalid_rows"] == [3, 4]
    assert {(e["loc"][1], e["loc"][2], e["type"]) for e in problem["errors"]} == {
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
    disputes = await clients.get(DISPUTES, params={"state": "pending"})
    assert disputes.json()["items"] == []


async def test_a_row_with_another_managers_credit_code_opens_a_dispute_in_the_import(
    clients: httpx.AsyncClient,
) -> None:
    code = credit_code(6603)
    theirs = await create_account(
        clients, legal_name="同事的撞单客户有限公司", credit_code=code, owner_id=LEAD
    )
    rows = [
        ["我导入的新客户", "", "", KAM, "", "project_single"],
        ["我的叫法不同的客户", code, "金融", KAM, "", "project_single"],
    ]
    response = await import_as(clients, rows, AS_KAM)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["created"], result["updated"]) == (2, 1, 0)
    [claim] = result["disputes"]
    assert (claim["row"], claim["outcome"]) == (3, "dispute_opened")
    # Revealing: the importer learns the dispute, not the account, its owner or its name.
    assert set(claim) == {"row", "outcome", "ownership_dispute_id"}
    assert "同事的撞单客户有限公司" not in response.text
    dispute = await clients.get(f"{DISPUTES}/{claim['ownership_dispute_id']}", headers=AS_KAM)
    assert dispute.status_code == 200, dispute.text
    read = dispute.json()
    assert (read["state"], read["origin"], read["claimant_id"]) == (
        "pending", "credit_code_match", KAM,
    )  # fmt: skip
    assert read["account_id"] is None
    stored = (await clients.get(f"{ACCOUNTS}/{theirs['id']}")).json()
    assert (stored["legal_name"], stored["owner_id"]) == ("同事的撞单客户有限公司", LEAD)
    assert (await clients.get(ACCOUNTS, params={"q": "我导入的新客户"})).json()["items"]

    # While it is pending, the same row again is refused, and with it the whole file.
    again = await import_as(
        clients, [["再导入的新客户", "", "", KAM, "", "project_single"], rows[1]], AS_KAM
    )
    assert again.status_code == 422, again.text
    [error] = again.json()["errors"]
    assert (error["loc"][1], error["loc"][2], error["type"]) == (3, "credit_code", "dispute_open")
    assert str(claim["ownership_dispute_id"]) in error["msg"]
    assert (await clients.get(ACCOUNTS, params={"q": "再导入的新客户"})).json()["items"] == []


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
    assert done.json() == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0, "disputes": []}
    assert (await clients.get(f"{ACCOUNTS}/{mine['id']}")).json()["industry"] == "制造"

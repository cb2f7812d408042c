"""本人已阅: an employee acknowledges the version of his position's description in force.

The team of these tests, worked out by hand:

    T-AK-LEAD  held by 主管 (team_lead)
    T-AK-KAM   reports to T-AK-LEAD, held by 甲 and 乙 (their manager is 主管 by the chart)

Both KAM descriptions start at version 1 in force, acknowledged by nobody: 主管 sees 甲 and
乙 owing version 1; an administrator sees all three (主管 owes T-AK-LEAD v1 too). After 甲
acknowledges, 主管 sees only 乙. Approving KAM version 2 makes both owe version 2 again.
"""

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer, post_current
from tests.staff.conftest import (
    POSITIONS,
    SECOND_ADMIN,
    make_department,
    make_employee,
    make_position,
)

OUTSTANDING = f"{POSITIONS}/acknowledgements/outstanding"


def owed(response: httpx.Response) -> list[tuple[str, str, int]]:
    assert response.status_code == 200, response.text
    return [(i["name"], i["position_code"], i["version_no"]) for i in response.json()["items"]]


async def test_acknowledging_the_version_in_force_and_who_still_owes_one(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-AK")
    lead_position = await make_position(staff_client, "T-AK-LEAD", dept["id"])
    kam = await make_position(staff_client, "T-AK-KAM", dept["id"], reports_to_code="T-AK-LEAD")
    lead = await make_employee(staff_client, "T-AK-1", name="主管", position_code="T-AK-LEAD")
    jia = await make_employee(staff_client, "T-AK-2", name="甲", position_code="T-AK-KAM")
    await make_employee(staff_client, "T-AK-3", name="乙", position_code="T-AK-KAM")
    as_lead = bearer(Role.TEAM_LEAD, employee_id=lead["id"], subject="user:201")
    as_jia = bearer(Role.ACCOUNT_MANAGER, employee_id=jia["id"], subject="user:202")
    kam_v1 = f"{POSITIONS}/{kam['position_id']}/versions/1"

    assert owed(await staff_client.get(OUTSTANDING, headers=as_lead)) == [
        ("甲", "T-AK-KAM", 1),
        ("乙", "T-AK-KAM", 1),
    ]
    assert owed(await staff_client.get(OUTSTANDING, params={"department_id": dept["id"]})) == [
        ("主管", "T-AK-LEAD", 1),
        ("甲", "T-AK-KAM", 1),
        ("乙", "T-AK-KAM", 1),
    ]
    # 甲 sees nobody: nobody reports to him
    assert owed(await staff_client.get(OUTSTANDING, headers=as_jia)) == []

    done = await staff_client.post(f"{kam_v1}/acknowledge", headers=as_jia)
    assert done.status_code == 200, done.text
    assert (done.json()["employee_id"], done.json()["version_no"]) == (jia["id"], 1)
    again = await staff_client.post(f"{kam_v1}/acknowledge", headers=as_jia)  # idempotent
    assert again.json()["acknowledged_at"] == done.json()["acknowledged_at"]
    assert owed(await staff_client.get(OUTSTANDING, headers=as_lead)) == [("乙", "T-AK-KAM", 1)]

    # only one's own position, and only the version in force
    lead_v1 = f"{POSITIONS}/{lead_position['position_id']}/versions/1"
    assert (await staff_client.post(f"{lead_v1}/acknowledge", headers=as_jia)).status_code == 409
    base = f"{POSITIONS}/{kam['position_id']}/versions"
    not_yet = await staff_client.post(f"{base}/2/acknowledge", headers=as_jia)  # no version 2
    assert not_yet.status_code == 409, not_yet.text
    # a login without an employee has nothing to acknowledge
    assert (await staff_client.post(f"{kam_v1}/acknowledge")).status_code == 403

    # a new approved version needs a new acknowledgement from both
    assert (await staff_client.post(f"{base}/1/revise")).status_code == 201
    assert (await post_current(staff_client, f"{base}/2", "/submit")).status_code == 200
    assert (
        await post_current(staff_client, f"{base}/2", "/approve", headers=SECOND_ADMIN)
    ).status_code == 200
    assert owed(await staff_client.get(OUTSTANDING, headers=as_lead)) == [
        ("甲", "T-AK-KAM", 2),
        ("乙", "T-AK-KAM", 2),
    ]
    stale = await staff_client.post(f"{kam_v1}/acknowledge", headers=as_jia)
    assert stale.status_code == 409 and stale.json()["in_force_version_no"] == 2
    assert (await staff_client.post(f"{base}/2/acknowledge", headers=as_jia)).status_code == 200
    assert owed(await staff_client.get(OUTSTANDING, headers=as_lead)) == [("乙", "T-AK-KAM", 2)]

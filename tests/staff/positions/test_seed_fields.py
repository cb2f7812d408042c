"""The seed fields of a description (考核管理职位说明书): 工作地点, 职类职种, 职位设立日期, 同僚.

任职条件's 适应年龄/适应性别 are not fields on purpose (docs/DOMAIN.md, equal treatment):
a body that carries them is refused, not silently stored.
"""

import httpx

from tests.staff.conftest import POSITIONS, make_department, make_position


async def test_seed_fields_are_kept_copied_and_peers_validated(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-SF")
    await make_position(staff_client, "T-SF-BIZ", dept["id"])  # 业务拓展管理
    await make_position(staff_client, "T-SF-CRM", dept["id"])  # 客户关系管理
    seed = {
        "work_location": "公司总部",
        "job_category": "管理类",
        "job_family": "考核管理",
        "established_on": "2012-04-08",
        "peer_codes": ["T-SF-BIZ", "T-SF-CRM"],
    }
    position = await make_position(staff_client, "T-SF-KH", dept["id"], **seed)
    assert {field: position[field] for field in seed} == seed
    base = f"{POSITIONS}/{position['position_id']}/versions"
    revised = (await staff_client.post(f"{base}/1/revise")).json()
    assert {field: revised[field] for field in seed} == seed  # a revision keeps them
    changed = await staff_client.patch(
        f"{base}/2", json={"peer_codes": ["T-SF-BIZ"]}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    diff = (await staff_client.get(f"{POSITIONS}/{position['position_id']}/diff",
                                   params={"from": 1, "to": 2})).json()  # fmt: skip
    assert [c["field"] for c in diff["changes"]] == ["peer_codes", "authoring"]

    cases = {
        "T-NOPE": ["T-SF-BIZ", "T-NOPE"],  # does not exist
        "self": ["T-SF-KH2"],  # a position is not its own peer
        "twice": ["T-SF-BIZ", "T-SF-BIZ"],
    }
    for name, peers in cases.items():
        refused = await staff_client.post(
            POSITIONS,
            json={"code": "T-SF-KH2", "title": "考核管理", "department_id": dept["id"],
                  "peer_codes": peers},
        )  # fmt: skip
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["errors"][0]["loc"] == ["body", "peer_codes"], name
    aged = await staff_client.post(
        POSITIONS,
        json={"code": "T-SF-AGE", "title": "考核管理", "department_id": dept["id"],
              "qualifications": {"education_level": "bachelor", "min_years_experience": 1,
                                 "age": "25岁以上", "gender": "不限"}},
    )  # fmt: skip
    assert aged.status_code == 422
    assert (await staff_client.get(POSITIONS, params={"q": "T-SF-KH2"})).json()["items"] == []

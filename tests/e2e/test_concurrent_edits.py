"""Two editors of one staff record with the same ``If-Match``, through the gateway of the
shared stack: a department, a position's draft and a login. Each update locks the row
before it compares versions, so in every round one editor gets 200, the other 412 naming
the current ETag, and neither change is lost (the race itself is
:func:`tests.e2e.test_concurrency.edit_race`).
"""

from typing import Any

import httpx
import pytest

from tests.conftest import LoginFactory
from tests.e2e.test_concurrency import (
    RUN,
    account,
    at_once,
    call,
    edit_race,
    gateway,
    hire,
    ok,
    version,
)

pytestmark = pytest.mark.e2e

__all__ = ["gateway"]  # the fixture, shared with the account and employee races

STAFF = "/v1/staff"
ROUNDS = 4


def department(gateway: httpx.Client, key: str) -> int:
    body = {"code": f"CE-{RUN}-{key}", "name": f"并发编辑部{RUN}{key}"}
    return int(ok(gateway.post(f"{STAFF}/departments", json=body), 201)["id"])


def draft_position(gateway: httpx.Client, key: str, department_id: int) -> str:
    """A new position; the URL of its draft version 1."""
    created = ok(gateway.post(f"{STAFF}/positions", json={
        "code": f"CE{RUN}-{key}", "title": "大客户经理", "department_id": department_id,
        "headcount_quota": 2,
        "qualifications": {"education_level": "bachelor", "min_years_experience": 1},
        "duties": [{"statement": "开发和维护所辖大客户", "tasks": ["制定客户开发计划"],
                    "measure": {"criterion": "target_attained", "statement": "签约额达成率"},
                    "importance": 1}]}), 201)  # fmt: skip
    return f"{STAFF}/positions/{created['position_id']}/versions/1"


@pytest.fixture(scope="module")
def editors(login_as: LoginFactory) -> list[dict[str, str]]:
    """Two administrators, each signed in on their own."""
    return [login_as(f"edits.{RUN.lower()}.editor{n}", "admin") for n in (1, 2)]


def test_two_department_editors_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    url = f"{STAFF}/departments/{department(gateway, 'D')}"
    for n in range(ROUNDS):
        edit_race(gateway, url, editors, [{"name": f"并发编辑部{RUN}第{n}版"},
                                          {"planned_headcount": n + 1}])  # fmt: skip


def test_two_draft_editors_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    url = draft_position(gateway, "P", department(gateway, "P"))
    for n in range(ROUNDS):
        edit_race(gateway, url, editors, [{"title": f"大客户经理{n}"},
                                          {"headcount_quota": n + 3}])  # fmt: skip


def test_a_draft_edit_racing_its_submission_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    """Submission checks the same version under the same lock: the draft is either edited
    and still a draft, or submitted unedited, never an edited version under review."""
    url = draft_position(gateway, "S", department(gateway, "S"))
    before = gateway.get(url)
    etag = before.headers["ETag"]
    edit, submit = at_once([
        call(gateway, "PATCH", url, json={"purpose": "负责华东区大客户"},
             headers=editors[0] | {"If-Match": etag}),
        call(gateway, "POST", f"{url}/submit", headers=editors[1] | {"If-Match": etag}),
    ])  # fmt: skip
    assert sorted([edit.status_code, submit.status_code]) == [200, 412], [edit.text, submit.text]
    after = gateway.get(url)
    assert version(after) == version(before) + 1
    expected: dict[str, Any] = (
        {"status": "draft", "purpose": "负责华东区大客户"}
        if edit.status_code == 200
        else {"status": "in_review", "purpose": before.json()["purpose"]}
    )
    assert {key: after.json()[key] for key in expected} == expected


def test_two_login_editors_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    body = {"login": f"edits.{RUN.lower()}.target", "password": "edits-target-password-2026",
            "roles": ["account_manager"]}  # fmt: skip
    url = f"{STAFF}/users/{ok(gateway.post(f'{STAFF}/users', json=body), 201)['id']}"
    for n in range(ROUNDS):  # each round changes both fields from what the last one left
        roles = ["team_lead"] if n % 2 == 0 else ["account_manager"]
        edit_race(gateway, url, editors, [{"roles": roles}, {"active": n % 2 == 1}])


def test_two_indicator_editors_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    body = {"code": f"ce_{RUN.lower()}_visits", "name": "拜访完成率", "unit": "%",
            "kind": "manual"}  # fmt: skip
    url = f"/v1/kpi/indicators/{ok(gateway.post('/v1/kpi/indicators', json=body), 201)['id']}"
    for n in range(ROUNDS):
        edit_race(gateway, url, editors, [{"name": f"拜访完成率{n}"},
                                          {"description": f"第{n}版口径"}])  # fmt: skip


def test_two_contact_editors_with_one_etag(
    gateway: httpx.Client, editors: list[dict[str, str]]
) -> None:
    owner = hire(gateway, "CT")
    contacts = f"/v1/clients/accounts/{account(gateway, owner)}/contacts"
    created = ok(gateway.post(contacts, json={"name": "李建国", "roles": ["decision_maker"]}), 201)
    url = f"/v1/clients/contacts/{created['id']}"
    for n in range(ROUNDS):
        edit_race(gateway, url, editors, [{"title": f"副总经理{n}"}, {"notes": f"第{n}次拜访"}])

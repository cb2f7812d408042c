"""Staff's scope world in the walking suite (issue 18): the records of staff that belong to
one person or one line (inbox items, stand-ins, notification preferences, outstanding
acknowledgements of one's reports), made inside and outside each persona's scope.

Staff's organisation itself (departments, positions, people, the org chart) is a
directory every employee reads (services.staff.access.READ_ORG), and so is the question
"who stands in for X on day D" (``GET /v1/staff/stand-ins``, what an approver routing
needs); those are walked for policy and documented answers only
(tests/authz/test_walk.py). Someone else's item, stand-in or preferences answer exactly
like missing ones, and lists hold only one's own.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.authz.personas import (
    HANDLER,
    HEAD,
    KAM,
    LEAD,
    OTHER_HEAD,
    OTHER_KAM,
    PERSONAS,
    SPECIALIST,
    STAND_IN,
    TEAM_READER,
    TEAM_WORKER,
    Persona,
)
from tests.authz.test_walk import Walk, short, walk_for
from tests.authz.walk import Answer, Operation
from tests.authz.world import MISSING
from tests.conftest import bearer
from tests.staff.conftest import make_department, make_employee, make_position

FROM_CLIENTS = bearer(subject="service:clients")
INBOX = "PATCH /v1/me/inbox/{item_id}"
MY_INBOX = "GET /v1/me/inbox"
CANCEL = "DELETE /v1/staff/stand-ins/{stand_in_id}"
MY_STAND_INS = "GET /v1/me/stand-ins"
OUTSTANDING = "GET /v1/staff/positions/acknowledgements/outstanding"
PREFERENCES = "GET /v1/me/notification-preferences"
SET_PREFERENCES = "PUT /v1/me/notification-preferences"


@dataclasses.dataclass
class StaffWorld:
    """Staff's people for the walk's org (fixed persona ids → staff's own ids), one work
    item each for KAM (inside) and OTHER_KAM (outside), and a stand-in named for OTHER_KAM."""

    people: dict[int, int]
    item: dict[int, int]
    stand_in: int

    def persona(self, persona: Persona) -> Persona:
        """``persona`` as the person of staff's records (a login without one stays so)."""
        if persona.employee_id is None:
            return persona
        return dataclasses.replace(persona, employee_id=self.people[persona.employee_id])

    def name(self, employee_id: int) -> str:
        return f"走查员工{employee_id}"


async def staff_world(client: httpx.AsyncClient) -> StaffWorld:
    """Two departments with positions in a reporting line, the walk's people holding them
    (HEAD ← LEAD ← KAM, SPECIALIST; OTHER_HEAD ← OTHER_KAM, HANDLER, the team members and
    the stand-in of the clients walk)."""
    ours = await make_department(client, "W-D1")
    theirs = await make_department(client, "W-D2")
    positions = (
        ("W-HEAD", ours, None),
        ("W-LEAD", ours, "W-HEAD"),
        ("W-KAM", ours, "W-LEAD"),
        ("W-OHEAD", theirs, None),
        ("W-OKAM", theirs, "W-OHEAD"),
    )
    for code, department, reports_to in positions:
        extra = {"reports_to_code": reports_to} if reports_to else {}
        await make_position(client, code, department["id"], headcount_quota=3, **extra)
    holders = {
        HEAD: "W-HEAD", LEAD: "W-LEAD", KAM: "W-KAM", SPECIALIST: "W-KAM",
        OTHER_HEAD: "W-OHEAD", OTHER_KAM: "W-OKAM", HANDLER: "W-OKAM",
        TEAM_READER: "W-OKAM", TEAM_WORKER: "W-OKAM", STAND_IN: "W-OKAM",
    }  # fmt: skip
    people: dict[int, int] = {}
    for walk_id, position in holders.items():
        made = await make_employee(
            client, f"W{walk_id}", name=f"走查员工{walk_id}", position_code=position
        )
        people[walk_id] = int(made["id"])
    items: dict[int, int] = {}
    for owner in (KAM, OTHER_KAM):
        posted = await client.post(
            "/v1/staff/internal/work-items",
            json={
                "source_key": f"walk-{owner}",
                "employee_id": people[owner],
                "kind": "sla_escalation",
                "title": f"走查工单 {owner}",
                "record_path": "/v1/clients/tickets/1",
            },
            headers=FROM_CLIENTS,
        )
        assert posted.status_code == 201, posted.text
        items[owner] = int(posted.json()["id"])
    starts = date.today() + timedelta(days=2)  # after today in any time zone
    named = await client.post(
        "/v1/staff/stand-ins",
        json={
            "absent_employee_id": people[OTHER_KAM],
            "stand_in_employee_id": people[OTHER_HEAD],
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=6)).isoformat(),
        },
    )
    assert named.status_code == 201, named.text
    return StaffWorld(people, items, int(named.json()["id"]))


@pytest.fixture
async def staff_walk(engines: dict[str, AsyncEngine]) -> AsyncIterator[Walk]:
    async for walk in walk_for("staff", engines):
        yield walk


def operation(walk: Walk, label: str) -> Operation:
    return next(op for op in walk.operations if op.label == label)


async def call(
    walk: Walk, label: str, persona: Persona, path: str, body: Any = None,
    params: dict[str, Any] | None = None,
) -> Answer:  # fmt: skip
    return await Answer.of(walk.client, operation(walk, label), persona, path, body, params)


def users() -> list[Persona]:
    return [p for p in PERSONAS if p.kind.value == "user"]


def text_of(answer: Answer) -> str:
    body = answer.body
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def ids_in(answer: Answer, key: str = "id") -> set[int]:
    """Every ``key`` of the answer's records, at any depth."""
    found: set[int] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get(key), int):
                found.add(node[key])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(answer.body)
    return found


async def test_someone_elses_inbox_item_answers_like_a_missing_one(staff_walk: Walk) -> None:
    walk = staff_walk
    world = await staff_world(walk.client)
    change = {"state": "snoozed", "snoozed_until": "2099-01-01T00:00:00+00:00"}
    for walker in users():
        persona = world.persona(walker)
        op = operation(walk, INBOX)
        missing = await call(walk, INBOX, persona, f"/v1/me/inbox/{MISSING}", change)
        for owner, item in world.item.items():
            if persona.employee_id == world.people[owner]:
                continue  # his own item: below
            hidden = await call(walk, INBOX, persona, f"/v1/me/inbox/{item}", change)
            if hidden.shape() != missing.shape():
                walk.hole(op, walker, "outside-differs", f"{short(hidden)} / {short(missing)}")
            else:
                walk.ok(op, walker)
        listed = await call(walk, MY_INBOX, persona, "/v1/me/inbox")
        own = {world.item[o] for o in world.item if world.people[o] == persona.employee_id}
        if listed.status >= 300 or (ids_in(listed) & set(world.item.values())) - own:
            walk.hole(operation(walk, MY_INBOX), walker, "leak", short(listed))
        else:
            walk.ok(operation(walk, MY_INBOX), walker)
    # The owner himself works his item (the check above is not a blanket 404).
    owner = world.persona(next(p for p in PERSONAS if p.employee_id == KAM))
    mine = await call(walk, INBOX, owner, f"/v1/me/inbox/{world.item[KAM]}", change)
    assert mine.status == 200, short(mine)
    listed = await call(walk, MY_INBOX, owner, "/v1/me/inbox", None, {"state": "snoozed"})
    assert ids_in(listed) >= {world.item[KAM]}, short(listed)
    walk.assert_known("outside-differs", "leak")


async def test_someone_elses_stand_in_answers_like_a_missing_one(staff_walk: Walk) -> None:
    """Cancelling is for the absent person, his manager or an administrator: for anyone
    else the stand-in is missing; "my stand-ins" holds only one's own."""
    walk = staff_walk
    world = await staff_world(walk.client)
    involved = {world.people[OTHER_KAM], world.people[OTHER_HEAD]}
    for walker in users():
        persona = world.persona(walker)
        if walker.name != "admin":
            op = operation(walk, CANCEL)
            missing = await call(walk, CANCEL, persona, f"/v1/staff/stand-ins/{MISSING}")
            hidden = await call(walk, CANCEL, persona, f"/v1/staff/stand-ins/{world.stand_in}")
            if hidden.shape() != missing.shape():
                walk.hole(op, walker, "outside-differs", f"{short(hidden)} / {short(missing)}")
            else:
                walk.ok(op, walker)
        if persona.employee_id in involved:
            continue
        mine = await call(walk, MY_STAND_INS, persona, "/v1/me/stand-ins")
        if mine.status >= 300 or world.stand_in in ids_in(mine):
            walk.hole(operation(walk, MY_STAND_INS), walker, "leak", short(mine))
        else:
            walk.ok(operation(walk, MY_STAND_INS), walker)
    # Still there, and his own: the absent person sees it, and may cancel it.
    as_kam = next(p for p in PERSONAS if p.name == "account_manager")
    absent = dataclasses.replace(as_kam, employee_id=world.people[OTHER_KAM])
    mine = await call(walk, MY_STAND_INS, absent, "/v1/me/stand-ins")
    assert world.stand_in in ids_in(mine), short(mine)
    cancelled = await call(walk, CANCEL, absent, f"/v1/staff/stand-ins/{world.stand_in}")
    assert cancelled.status == 204, short(cancelled)
    walk.assert_known("outside-differs", "leak")


async def test_notification_preferences_are_each_persons_own(staff_walk: Walk) -> None:
    walk = staff_walk
    world = await staff_world(walk.client)
    kam = world.persona(next(p for p in PERSONAS if p.employee_id == KAM))
    current = await call(walk, PREFERENCES, kam, "/v1/me/notification-preferences")
    assert current.status == 200, short(current)
    changed = {**current.body, "quiet_from": "21:17", "quiet_until": "07:43"}
    saved = await call(walk, SET_PREFERENCES, kam, "/v1/me/notification-preferences", changed)
    assert saved.status == 200, short(saved)
    for walker in users():
        persona = world.persona(walker)
        if persona.employee_id == kam.employee_id:
            continue
        theirs = await call(walk, PREFERENCES, persona, "/v1/me/notification-preferences")
        if theirs.status < 300 and "21:17" in text_of(theirs):
            walk.hole(operation(walk, PREFERENCES), walker, "leak", short(theirs))
        else:
            walk.ok(operation(walk, PREFERENCES), walker)
    walk.assert_known("leak")


async def test_outstanding_acknowledgements_hold_only_ones_reports(staff_walk: Walk) -> None:
    """Anyone but administrators and the department manager sees his direct reports only,
    with a department filter too: nobody of the other department reaches a scoped caller."""
    walk = staff_walk
    world = await staff_world(walk.client)
    departments = await walk.client.get("/v1/staff/departments", params={"limit": 200})
    other = next(d["id"] for d in departments.json()["items"] if d["code"] == "W-D2")
    outside = {world.people[OTHER_HEAD], world.people[OTHER_KAM], world.people[HANDLER]}
    reports = {LEAD: {world.people[KAM], world.people[SPECIALIST]}}
    op = operation(walk, OUTSTANDING)
    for walker in (p for p in users() if p.scoped):
        persona = world.persona(walker)
        for params in (None, {"department_id": other}):
            listed = await call(walk, OUTSTANDING, persona, op.path(None), None, params)
            seen = ids_in(listed, "employee_id")
            allowed = reports.get(walker.employee_id or 0, set())
            if listed.status >= 300 or seen - allowed:
                check = "leak" if params is None else "filter-leak department_id"
                walk.hole(op, walker, check, f"{sorted(seen & outside)} {short(listed)}")
            else:
                walk.ok(op, walker)
    lead = world.persona(next(p for p in PERSONAS if p.employee_id == LEAD))
    listed = await call(walk, OUTSTANDING, lead, op.path(None))
    assert ids_in(listed, "employee_id") == reports[LEAD], short(listed)
    walk.assert_known("leak", "filter-leak")


QUALIFICATION = "GET /v1/staff/employees/{employee_id}/qualification"
QUALIFICATION_RATE = "GET /v1/staff/departments/{department_id}/qualification-rate"


async def test_qualification_checks_outside_ones_line_answer_like_missing(
    staff_walk: Walk,
) -> None:
    """A person's qualification check (任职资格: which requirements of his position he
    misses) and a department's rate are appraisal-like: a team lead reads his own line's."""
    walk = staff_walk
    world = await staff_world(walk.client)
    departments = await walk.client.get("/v1/staff/departments", params={"limit": 200})
    other = next(d["id"] for d in departments.json()["items"] if d["code"] == "W-D2")
    for walker in (p for p in users() if p.scoped):
        persona = world.persona(walker)
        for label, hidden_path, missing_path in (
            (
                QUALIFICATION,
                f"/v1/staff/employees/{world.people[OTHER_KAM]}/qualification",
                f"/v1/staff/employees/{MISSING}/qualification",
            ),
            (
                QUALIFICATION_RATE,
                f"/v1/staff/departments/{other}/qualification-rate",
                f"/v1/staff/departments/{MISSING}/qualification-rate",
            ),
        ):
            op = operation(walk, label)
            if not op.allows(walker):
                continue
            hidden = await call(walk, label, persona, hidden_path)
            missing = await call(walk, label, persona, missing_path)
            if hidden.shape() != missing.shape():
                walk.hole(op, walker, "outside-differs", f"{short(hidden)} / {short(missing)}")
            else:
                walk.ok(op, walker)
    walk.assert_known("outside-differs")

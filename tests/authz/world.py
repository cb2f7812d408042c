"""The walk's world: an org copy and, per service, records inside and outside each
persona's scope, made through the services' own APIs (as an administrator).

A *family* is one account and the records under it (contact, ticket, visit, contract …),
keyed by the ``x-kam-ref`` entity names of the contract, so a path, filter or body field
is filled from the family by what it refers to.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.authz.personas import (
    DEPARTMENT,
    HANDLER,
    HEAD,
    KAM,
    LEAD,
    OTHER_DEPARTMENT,
    OTHER_HEAD,
    OTHER_KAM,
    SPECIALIST,
    STAND_IN,
    TEAM_READER,
    TEAM_WORKER,
)
from tests.conftest import bearer

AS_STAFF = bearer(subject="service:staff")
MISSING = 987654321  # an id no fixture reaches

Family = dict[str, int]
# Whose reporting line sees the records an owner owns (account managers see their own),
# and KAM's stand-in, who sees them as KAM does today (RELATIONS["stand_in"]).
LINE_OF = {
    KAM: frozenset({KAM, LEAD, HEAD, STAND_IN}),
    OTHER_KAM: frozenset({OTHER_KAM, OTHER_HEAD}),
}
OUTSIDE_NAME = "走查客户2"  # the legal name of the outside family's account (seed 2) starts so


def employee_event(employee_id: int, department_id: int, manager_id: int | None) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "employee_id": employee_id,
        "employee_no": f"W{employee_id}",
        "name": f"员工{employee_id}",
        "position_code": "KA-KAM",
        "department_id": department_id,
        "manager_id": manager_id,
        "status": "active",
        "authority_limits": {},
        "version": 1,
    }


# The owners hold a credit authority of ±0: every change they make is a request upward.
NO_CREDIT_LEEWAY = {"adjust_credit_score": {"max_delta": 0}}

ORG = [
    employee_event(HEAD, DEPARTMENT, None),
    employee_event(LEAD, DEPARTMENT, HEAD),
    {**employee_event(KAM, DEPARTMENT, LEAD), "authority_limits": NO_CREDIT_LEEWAY},
    employee_event(SPECIALIST, DEPARTMENT, LEAD),
    employee_event(OTHER_HEAD, OTHER_DEPARTMENT, None),
    {
        **employee_event(OTHER_KAM, OTHER_DEPARTMENT, OTHER_HEAD),
        "authority_limits": NO_CREDIT_LEEWAY,
    },
    employee_event(HANDLER, OTHER_DEPARTMENT, OTHER_HEAD),
    employee_event(TEAM_READER, OTHER_DEPARTMENT, OTHER_HEAD),
    employee_event(TEAM_WORKER, OTHER_DEPARTMENT, OTHER_HEAD),
    employee_event(STAND_IN, OTHER_DEPARTMENT, OTHER_HEAD),
]


async def relate_ticket_handler(client: httpx.AsyncClient, inside: Family) -> None:
    response = await client.patch(
        f"/v1/clients/tickets/{inside['ticket']}",
        json={"handler_id": HANDLER},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text


def relate_team_member(
    employee_id: int, access: str
) -> Callable[[httpx.AsyncClient, Family], Awaitable[None]]:
    async def make(client: httpx.AsyncClient, inside: Family) -> None:
        response = await client.post(
            f"/v1/clients/accounts/{inside['account']}/team",
            json={"employee_id": employee_id, "role": "after_sales", "access": access},
        )
        assert response.status_code == 201, response.text

    return make


def stand_in_event(stand_in_id: int, absent: int, starts: int, ends: int) -> dict[str, Any]:
    """STAND_IN acts for ``absent`` from today+``starts`` to today+``ends`` (company days)."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return {
        "event_id": str(uuid.uuid4()),
        "stand_in_id": stand_in_id,
        "absent_employee_id": absent,
        "stand_in_employee_id": STAND_IN,
        "starts_on": (today + timedelta(days=starts)).isoformat(),
        "ends_on": (today + timedelta(days=ends)).isoformat(),
        "cancelled": False,
        "version": 1,
    }


async def relate_stand_in(client: httpx.AsyncClient, inside: Family) -> None:
    """STAND_IN stands in for KAM (the inside family's owner) today; for OTHER_KAM only on
    days that have passed or are still to come, so the outside family must stay hidden."""
    events = [
        stand_in_event(9301, KAM, -1, 1),
        stand_in_event(9302, OTHER_KAM, -10, -1),
        stand_in_event(9303, OTHER_KAM, 1, 10),
    ]
    response = await client.post(
        "/v1/clients/internal/org/stand-ins", json={"events": events}, headers=AS_STAFF
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"applied": 3, "ignored": 0}


@dataclass(frozen=True)
class Relation:
    """How the world relates a persona to the inside family of ``service``, and which
    of its records that opens (a relation persona sees nothing else of the family; None:
    the whole family). ``unmasked``: it reads the family's personal data in full."""

    service: str
    make: Callable[[httpx.AsyncClient, Family], Awaitable[None]]
    opens: frozenset[str] | None
    unmasked: bool = False


RELATIONS = {
    "ticket_handler": Relation("clients", relate_ticket_handler, frozenset({"ticket"})),
    # DESIGN "Teams": an account team grants access to the account and everything under it.
    "team_member_read": Relation("clients", relate_team_member(TEAM_READER, "read"), None),
    "team_member_work": Relation(
        "clients", relate_team_member(TEAM_WORKER, "work"), None, unmasked=True
    ),
    # Sees the whole family through LINE_OF while standing in; nothing beyond it.
    "stand_in": Relation("clients", relate_stand_in, frozenset()),
}


async def feed_org(client: httpx.AsyncClient, service: str) -> None:
    response = await client.post(
        f"/v1/{service}/internal/org/employees", json={"events": ORG}, headers=AS_STAFF
    )
    assert response.status_code == 200, response.text


def example_body(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """The first documented example of ``operation``'s JSON body (a copy), if any."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    if "example" in content:
        return copy.deepcopy(content["example"])
    ref = content.get("schema", {}).get("$ref", "")
    schema = document["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    examples = schema.get("examples") or []
    return copy.deepcopy(examples[0]) if examples else None


async def created(
    client: httpx.AsyncClient,
    document: dict[str, Any],
    path: str,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> int:
    """POST ``path``'s documented example with ``fields`` over it (as ``headers`` say,
    else as an administrator); the new record's id."""
    body = {**(example_body(document, document["paths"][path_format(path)]["post"]) or {})}
    body.update(fields)
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), (path, response.text)
    return int(response.json()["id"])


def path_format(path: str) -> str:
    """``/v1/clients/accounts/5/contacts`` → ``/v1/clients/accounts/{account_id}/contacts``."""
    parts = path.split("/")
    named = {"accounts": "account_id", "contacts": "contact_id", "tickets": "ticket_id"}
    named["opportunities"] = "opportunity_id"
    out = [
        f"{{{named[parts[i - 1]]}}}" if part.isdigit() and parts[i - 1] in named else part
        for i, part in enumerate(parts)
    ]
    return "/".join(out)


async def clients_family(
    client: httpx.AsyncClient, document: dict[str, Any], owner: int, seed: int
) -> Family:
    """An account owned by ``owner`` and one record of each kind under it."""
    account = await created(
        client,
        document,
        "/v1/clients/accounts",
        owner_id=owner,
        legal_name=f"走查客户{seed}{uuid.uuid4().hex[:6]}有限公司",
        credit_code=None,
    )
    base = f"/v1/clients/accounts/{account}"
    contact = await created(client, document, f"{base}/contacts")
    family: Family = {"account": account, "contact": contact, "employee": owner}
    family["ticket"] = await created(client, document, f"{base}/tickets", contact_id=contact)
    family["visit"] = await created(client, document, f"{base}/visits", contact_ids=[contact])
    family["contract"] = await created(
        client, document, f"{base}/contracts", number=f"HT-W-{seed}-{uuid.uuid4().hex[:6]}"
    )
    family["survey"] = await created(
        client, document, f"{base}/surveys", respondent_contact_id=contact
    )
    family["assessment"] = await created(client, document, f"{base}/assessments", assessed_by=owner)
    family["contact_touch"] = await created(
        client, document, f"{base}/contact-schedule", contact_id=contact
    )
    family["approval_request"] = await past_authority_request(client, account, owner)
    family["ownership_dispute"] = await decided_dispute(client, account, owner)
    # A note needs an employee as its author: the owner writes it.
    as_owner = bearer(Role.ACCOUNT_MANAGER, employee_id=owner, subject=f"user:{owner}")
    family["note"] = await created(client, document, f"{base}/notes", as_owner)
    # Expected this month, so the pipeline reports' default month counts it.
    family["opportunity"] = await created(
        client,
        document,
        f"{base}/opportunities",
        owner_id=owner,
        members=[{"employee_id": owner, "role": "presales"}],
        contacts=[{"contact_id": contact, "role": "decision_maker"}],
        lines=[],
        expected_close_month=datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m"),
    )
    await deal_records(client, document, family, seed)
    family["attachment"] = await attached(client, f"/v1/clients/contracts/{family['contract']}")
    family["account_merge"] = await merged_duplicate(client, document, account, owner, seed)
    family["contact_merge"] = await merged_contact(client, document, base, contact, seed)
    return family


async def attached(client: httpx.AsyncClient, record: str) -> int:
    """A file attached to ``record`` (a multipart upload, as an administrator)."""
    response = await client.post(
        f"{record}/attachments",
        files={
            "file": (f"走查附件{uuid.uuid4().hex[:6]}.pdf", b"%PDF-1.7 walk", "application/pdf")
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def merged_duplicate(
    client: httpx.AsyncClient, document: dict[str, Any], account: int, owner: int, seed: int
) -> int:
    """A second account of the same owner merged into the family's account (the merge is
    the family's record; its loser is gone, so nothing else of the family changes)."""
    loser = await created(
        client,
        document,
        "/v1/clients/accounts",
        owner_id=owner,
        legal_name=f"走查合并{seed}{uuid.uuid4().hex[:6]}有限公司",
        credit_code=None,
    )
    survivor_tag = (await client.get(f"/v1/clients/accounts/{account}")).headers["ETag"]
    loser_tag = (await client.get(f"/v1/clients/accounts/{loser}")).headers["ETag"]
    body = example_body(document, document["paths"]["/v1/clients/account-merges"]["post"]) or {}
    body.update(survivor_id=account, loser_id=loser, loser_etag=loser_tag)
    response = await client.post(
        "/v1/clients/account-merges", json=body, headers={"If-Match": survivor_tag}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def merged_contact(
    client: httpx.AsyncClient, document: dict[str, Any], base: str, contact: int, seed: int
) -> int:
    """A second contact at the family's account merged into the family's contact (the
    loser's link to the account clashes with the survivor's and is set aside)."""
    loser = await created(
        client,
        document,
        f"{base}/contacts",
        name=f"走查合并联系人{seed}{uuid.uuid4().hex[:6]}",
        phone=None,
        email=None,
    )
    survivor_tag = (await client.get(f"/v1/clients/contacts/{contact}")).headers["ETag"]
    loser_tag = (await client.get(f"/v1/clients/contacts/{loser}")).headers["ETag"]
    body = example_body(document, document["paths"]["/v1/clients/contact-merges"]["post"]) or {}
    body.update(survivor_id=contact, loser_id=loser, loser_etag=loser_tag)
    response = await client.post(
        "/v1/clients/contact-merges", json=body, headers={"If-Match": survivor_tag}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def deal_records(
    client: httpx.AsyncClient, document: dict[str, Any], family: Family, seed: int
) -> None:
    """A quotation, a bid and a competitor observation in the family's opportunity (the
    catalogue's product and the competitor register are directories, so they stay out of
    the family)."""
    tag = f"{seed}{uuid.uuid4().hex[:6]}"
    product = await created(client, document, "/v1/clients/products", code=f"W-{tag}")
    competitor = await created(client, document, "/v1/clients/competitors", name=f"走查对手{tag}")
    opportunity = family["opportunity"]
    owner = family["employee"]
    as_owner = bearer(Role.ACCOUNT_MANAGER, employee_id=owner, subject=f"user:{owner}")
    family["quotation"] = await created(
        client,
        document,
        f"/v1/clients/opportunities/{opportunity}/quotations",
        as_owner,
        lines=[{"product_id": product, "quantity": "1", "discount_percent": "1"}],
    )
    family["bid"] = await created(client, document, f"/v1/clients/opportunities/{opportunity}/bids")
    family["competitor_presence"] = await created(
        client,
        document,
        f"/v1/clients/accounts/{family['account']}/competitor-presences",
        as_owner,
        competitor_id=competitor,
        opportunity_id=opportunity,
    )


async def past_authority_request(client: httpx.AsyncClient, account: int, owner: int) -> int:
    """A credit change the owner (authority ±0) asks his superior for."""
    response = await client.post(
        f"/v1/clients/accounts/{account}/credit-adjustments",
        json={"delta": 1, "reason": "走查"},
        headers=bearer(Role.ACCOUNT_MANAGER, employee_id=owner, subject=f"user:{owner}"),
    )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


# Who claims the family's account in its ownership dispute: the owner's manager (the walk's
# other employees over there are personas, who must not be parties to the outside one).
CLAIMANT_OF = {KAM: LEAD, OTHER_KAM: OTHER_HEAD}


async def decided_dispute(client: httpx.AsyncClient, account: int, owner: int) -> int:
    """An ownership dispute over the account (the owner's manager claims it), decided for
    the owner by HEAD — KAM's line's arbiter, and a department manager who is no party to
    OTHER_KAM's (no common manager) — so the account is free for further claims."""
    claimant = CLAIMANT_OF[owner]
    claimed = await client.post(
        "/v1/clients/ownership-disputes",
        json={"account_id": account, "reason": "走查撞单"},
        headers=bearer(Role.TEAM_LEAD, employee_id=claimant, subject=f"user:{claimant}"),
    )
    assert claimed.status_code == 201, claimed.text
    dispute = int(claimed.json()["id"])
    decided = await client.post(
        f"/v1/clients/ownership-disputes/{dispute}/decision",
        json={"winner": "owner", "reason": "走查裁决"},
        headers={
            "If-Match": claimed.headers["etag"],
            **bearer(Role.DEPT_MANAGER, employee_id=HEAD, subject=f"user:{HEAD}"),
        },
    )
    assert decided.status_code == 200, decided.text
    return dispute


async def kpi_families(client: httpx.AsyncClient) -> tuple[Family, Family]:
    """One appraisal cycle over both departments (inside: KAM's appraisal, his department's
    target plan and the cycle; outside: the other department's) — a cycle and its
    templates are not anyone's, so the cycle is in the inside family only."""
    from tests.kpi.conftest import make_indicator, make_template

    collection = await make_indicator(client, "walk_collection")
    sales = await make_indicator(client, "walk_sales")
    template = await make_template(
        client, collection, sales, code="WALK-KAM", position_code="KA-KAM"
    )
    cycle = await client.post(
        "/v1/kpi/cycles",
        json={
            "name": "走查周期",
            "period": "2026-11",
            "template_ids": [template["id"]],
            "department_ids": [DEPARTMENT, OTHER_DEPARTMENT],
        },
    )
    assert cycle.status_code == 201, cycle.text
    families: list[Family] = []
    for owner, department in ((KAM, DEPARTMENT), (OTHER_KAM, OTHER_DEPARTMENT)):
        listed = await client.get(
            "/v1/kpi/appraisals", params={"cycle_id": cycle.json()["id"], "employee_id": owner}
        )
        assert listed.status_code == 200 and listed.json()["items"], listed.text
        appraisal = (
            await client.get(f"/v1/kpi/appraisals/{listed.json()['items'][0]['id']}")
        ).json()
        plan = await client.post(
            "/v1/kpi/target-plans",
            json={
                "indicator_id": sales,
                "year": 2026,
                "department_id": department,
                "total": "120000.00",
                "teams": [
                    {
                        # A team must be in the plan's department (issue 20): its own.
                        "team_id": department,
                        "share": "1",
                        "people": [{"employee_id": owner, "share": "1"}],
                    }
                ],
            },
        )
        assert plan.status_code == 201, plan.text
        families.append(
            {
                "employee": owner,
                "department": department,
                "appraisal": appraisal["id"],
                "appraisal_item": appraisal["items"][0]["id"],
                "target_plan": plan.json()["id"],
            }
        )
    inside, outside = families
    inside["cycle"] = cycle.json()["id"]
    return inside, outside

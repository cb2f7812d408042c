"""One masking rule for every read of a contact (issue 18, defect 9): in full for the
owner and his manager chain; masked, birth year included, for the rest, administrators
too (data minimisation: they run the system, not the relationship)."""

from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from services.clients.access import sees_personal_data
from shared.auth.principal import Principal, PrincipalKind, Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.conftest import bearer

PERSONAL = {"phone": "138-1234-5678", "email": "li.jianguo@example.com", "birthday": "1972-05-18"}
MASKED = {
    "phone": "***-****-5678",
    "email": "l***@example.com",
    "birthday": None,
    "birthday_month_day": "05-18",
    "personal_data_masked": True,
}
IN_FULL = {**PERSONAL, "birthday_month_day": "05-18", "personal_data_masked": False}


def personal(contact: dict[str, Any]) -> dict[str, Any]:
    return {key: contact[key] for key in IN_FULL}


async def reads(
    client: httpx.AsyncClient, account_id: int, contact_id: int, headers: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The contact as ``GET /contacts/{id}`` and as the account's contact list show it."""
    one = await client.get(f"/v1/clients/contacts/{contact_id}", headers=headers)
    assert one.status_code == 200, one.text
    listed = await client.get(f"{ACCOUNTS}/{account_id}/contacts", headers=headers)
    assert listed.status_code == 200, listed.text
    [item] = [c for c in listed.json()["items"] if c["id"] == contact_id]
    return personal(one.json()), personal(item)


async def test_owner_and_manager_chain_see_in_full_everyone_else_admins_too_masked(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=SPECIALIST)  # reports to LEAD
    contact = await create_contact(clients, account["id"], **PERSONAL)
    in_full = {
        "owner": acting(SPECIALIST, Role.ACCOUNT_MANAGER),
        "team lead above": acting(LEAD, Role.TEAM_LEAD),
        "department manager": acting(MANAGER, Role.DEPT_MANAGER),
    }
    masked = {
        "admin": bearer(Role.ADMIN),
        "finance": bearer(Role.FINANCE, employee_id=KAM),
        "executive": bearer(Role.EXECUTIVE),
        "service": bearer(subject="service:kpi"),
    }
    for who, headers in in_full.items():
        assert await reads(clients, account["id"], contact["id"], headers) == (
            IN_FULL, IN_FULL,
        ), who  # fmt: skip
    for who, headers in masked.items():
        assert await reads(clients, account["id"], contact["id"], headers) == (
            MASKED, MASKED,
        ), who  # fmt: skip
    # Another account manager does not see the contact at all.
    other = await clients.get(
        f"/v1/clients/contacts/{contact['id']}", headers=acting(KAM, Role.ACCOUNT_MANAGER)
    )
    assert other.status_code == 404


async def test_a_contact_of_two_accounts_is_in_full_for_either_owner(
    clients: httpx.AsyncClient,
) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    contact = await create_contact(clients, theirs["id"], **PERSONAL)
    linked = await clients.put(
        f"{ACCOUNTS}/{mine['id']}/contacts/{contact['id']}", json={"roles": ["user"]}
    )
    assert linked.status_code in (200, 201), linked.text
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    assert await reads(clients, mine["id"], contact["id"], as_kam) == (IN_FULL, IN_FULL)
    # The PATCH answer follows the same rule.
    patched = await clients.patch(
        f"/v1/clients/contacts/{contact['id']}",
        json={"title": "总经理"},
        headers={**as_kam, "If-Match": f'"{contact["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    assert personal(patched.json()) == IN_FULL


def person(*roles: Role, employee_id: int | None = 7) -> Principal:
    return Principal(
        PrincipalKind.USER, f"user:{employee_id}", frozenset(roles), employee_id=employee_id
    )


owners = st.lists(st.integers(1, 50), max_size=5)
scopes = st.none() | st.frozensets(st.integers(1, 50))


@given(owners, scopes)
def test_the_rule_for_roles_that_never_or_always_see(owner_ids: list[int], scope: Any) -> None:
    service = Principal(PrincipalKind.SERVICE, "service:kpi", service="kpi")
    assert not sees_personal_data(service, scope, owner_ids)
    assert not sees_personal_data(person(Role.FINANCE, employee_id=99), scope, owner_ids)
    assert not sees_personal_data(person(Role.EXECUTIVE, employee_id=99), scope, owner_ids)
    assert not sees_personal_data(person(Role.ADMIN, employee_id=None), scope, owner_ids)
    assert sees_personal_data(person(Role.DEPT_MANAGER), scope, owner_ids)


@given(owners, st.frozensets(st.integers(1, 50)))
def test_owners_and_the_team_lead_above_them_see(owner_ids: list[int], line: Any) -> None:
    manager = person(Role.ACCOUNT_MANAGER)
    assert sees_personal_data(manager, frozenset({7}), owner_ids) == (7 in owner_ids)
    lead = person(Role.TEAM_LEAD)
    expected = any(owner == 7 or owner in line for owner in owner_ids)
    assert sees_personal_data(lead, line, owner_ids) == expected

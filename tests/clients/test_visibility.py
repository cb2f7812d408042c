"""One account-visibility mechanism (services.clients.access): every route under an
account answers an account outside the caller's scope exactly like a missing one."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy.dialects import postgresql

from services.clients.access import visible, visible_accounts
from services.clients.tickets.models import Ticket
from shared.auth.principal import Role
from shared.errors import NotFound
from tests.clients.conftest import DEPARTMENT, KAM, SPECIALIST, create_account, feed_org
from tests.conftest import bearer

KAM_TOKEN = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "clients.json"


def _reads_under_an_account() -> list[str]:
    paths = json.loads(CONTRACT.read_text())["paths"]
    return sorted(
        path
        for path, operations in paths.items()
        if "{account_id}" in path
        and path.count("{") == 1
        and "get" in operations
        and not any(  # reads that need more than the account (a period …) are left out
            p["required"] and p["in"] == "query" for p in operations["get"].get("parameters", [])
        )
    )


READS = _reads_under_an_account()


def test_every_read_under_an_account_is_walked() -> None:
    assert len(READS) >= 15


@pytest.mark.parametrize("path", READS)
async def test_another_owners_account_answers_like_a_missing_one(
    clients: httpx.AsyncClient, path: str
) -> None:
    await feed_org(clients, DEPARTMENT)
    theirs = await create_account(clients, legal_name="可见性乙公司", owner_id=SPECIALIST)
    missing = theirs["id"] + 100_000

    answers = []
    for account_id in (theirs["id"], missing):
        response = await clients.get(path.format(account_id=account_id), headers=KAM_TOKEN)
        assert response.status_code == 404, (path, response.text)
        answers.append(response.json()["detail"].replace(str(account_id), "{id}"))
    assert answers == ["account {id} does not exist"] * 2


def test_the_scope_predicate_is_open_for_all_and_a_subquery_for_owners() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    everyone = visible_accounts(Ticket.account_id, None).compile(dialect=dialect)
    assert str(everyone) == "true"
    owners = visible_accounts(Ticket.account_id, {KAM}).compile(dialect=dialect)
    text = str(owners)
    assert "clients.accounts" in text and "owner_id IN" in text and "account_id IN" in text


def test_visible_passes_a_loaded_account_and_refuses_a_missing_one() -> None:
    assert visible("the account", 7) == "the account"
    with pytest.raises(NotFound, match=r"^account 7 does not exist$"):
        visible(None, 7)

"""Account lists sorted by grade and credit score (cursors correct in both directions,
ties on id), totals counted in the caller's scope, and the ``id`` filter."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    SPECIALIST,
    acting,
    create_account,
    feed_org,
)
from tests.clients.pages import every_page


async def _set(app: FastAPI, account_id: int, grade: str, score: int) -> None:
    async with app.state.session_factory() as session:
        await session.execute(
            text("UPDATE clients.accounts SET grade = :g, credit_score = :s WHERE id = :id"),
            {"g": grade, "s": score, "id": account_id},
        )
        await session.commit()


async def test_grade_and_credit_score_orders_page_through_every_account_once(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    values = [("B", 70), ("A", 0), ("C", 70), ("S", 95), ("C", -5), ("B", 10), ("A", 70)]
    accounts: list[dict[str, Any]] = []
    for grade, score in values:
        account = await create_account(client, owner_id=KAM)
        await _set(app, account["id"], grade, score)
        accounts.append({**account, "grade": grade, "credit_score": score})
    ids = [a["id"] for a in accounts]

    def order(key: str, reverse: bool) -> list[int]:
        def value(a: dict[str, Any]) -> Any:
            return "SABC".index(a["grade"]) if key == "grade" else a[key]

        ranked = sorted(accounts, key=lambda a: (value(a), a["id"]), reverse=reverse)
        return [a["id"] for a in ranked]

    for sort in ("grade", "-grade", "credit_score", "-credit_score"):
        walked = await every_page(client, ACCOUNTS, {"id": ids, "sort": sort})
        assert [a["id"] for a in walked] == order(sort.lstrip("-"), sort.startswith("-")), sort


async def test_totals_follow_the_scope_and_filters(clients: httpx.AsyncClient) -> None:
    mine = [await create_account(clients, owner_id=SPECIALIST) for _ in range(3)]
    theirs = await create_account(clients, owner_id=KAM)
    ids = [a["id"] for a in [*mine, theirs]]
    everyone = await clients.get(ACCOUNTS, params={"id": ids, "with_total": "true", "limit": 1})
    assert everyone.json()["total"] == 4
    assert len(everyone.json()["items"]) == 1
    own = await clients.get(
        ACCOUNTS,
        params={"id": ids, "with_total": "true"},
        headers=acting(SPECIALIST, Role.ACCOUNT_MANAGER),
    )
    assert own.json()["total"] == 3
    assert {a["id"] for a in own.json()["items"]} == {a["id"] for a in mine}
    assert (await clients.get(ACCOUNTS, params={"id": ids})).json()["total"] is None

"""Concurrent deliveries and requests, each on its own connection (real commits, cleaned up)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.app import create_app
from services.clients.receivables.apply_locks import SPACE, record_key
from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from tests.clients.conftest import KAM, credit_code
from tests.clients.receivables.factories import (
    SECRET,
    deliver,
    invoice_event,
    money,
    payment_event,
)
from tests.conftest import bearer, trust_test_key

CLEANUP = [
    "DELETE FROM clients.payment_allocations WHERE payment_id IN "
    "(SELECT id FROM clients.payments WHERE account_id = :a)",
    "DELETE FROM clients.payments WHERE account_id = :a",
    "DELETE FROM clients.invoice_lines WHERE invoice_id IN "
    "(SELECT id FROM clients.invoices WHERE account_id = :a)",
    "DELETE FROM clients.invoices WHERE account_id = :a",
    "DELETE FROM clients.erp_inbox WHERE payload->'data'->>'account_ref' = :code",
    "DELETE FROM clients.idempotency_keys WHERE key LIKE :prefix",
    "DELETE FROM clients.audit_log WHERE account_id = :a",
    "DELETE FROM clients.accounts WHERE id = :a",
]


@pytest.fixture
async def committed(
    engines: dict[str, AsyncEngine],
) -> AsyncIterator[tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]]]:
    """The app on the real engine (every request its own connection and commit) and a fresh
    account with a unique credit code; everything it created is deleted afterwards."""
    engine = engines["clients"]
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    app = create_app(ClientsSettings(erp_webhook_secrets=[SECRET]))
    trust_test_key(app)
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.read_session_factory = factory
    app.state.settings = ClientsSettings(erp_webhook_secrets=[SECRET])
    seed = 7300 + uuid.uuid4().int % 600_000
    code = credit_code(seed)
    async with factory() as session:
        account = Account(legal_name=f"并发测试{seed}有限公司", credit_code=code, owner_id=KAM)
        session.add(account)
        await session.commit()
        assert account.id is not None
        account_id = account.id
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=bearer(Role.ADMIN)
        ) as client:
            yield client, account_id, code, factory
    finally:
        async with factory() as session:
            for statement in CLEANUP:
                await session.execute(
                    text(statement), {"a": account_id, "code": code, "prefix": f"{code}%"}
                )
            await session.commit()


async def count(factory: async_sessionmaker[AsyncSession], sql: str, **params: object) -> int:
    async with factory() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


async def test_five_concurrent_deliveries_store_and_apply_once(
    committed: tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]],
) -> None:
    client, account_id, code, factory = committed
    invoice = invoice_event(f"INV-{code}", code, [("2026-12-01", "900.00")])
    assert (await deliver(client, invoice)).json()["outcome"] == "applied"
    pay = payment_event(f"PAY-{code}", code, "300.00", "2026-11-20", [(f"INV-{code}", 1, "300.00")])
    responses = await asyncio.gather(*(deliver(client, pay) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert sorted(r.json()["outcome"] for r in responses) == ["applied"] + ["duplicate"] * 4
    # The same payment under five new event ids at once: one payment, one allocation.
    renamed = [{**pay, "id": f"evt_{uuid.uuid4().hex}"} for _ in range(5)]
    responses = await asyncio.gather(*(deliver(client, event) for event in renamed))
    assert [r.status_code for r in responses] == [200] * 5
    assert await count(factory, "SELECT count(*) FROM clients.payments WHERE account_id = :a",
                       a=account_id) == 1  # fmt: skip
    assert (
        await count(
            factory,
            "SELECT count(*) FROM clients.payment_allocations pa JOIN clients.payments p "
            "ON p.id = pa.payment_id WHERE p.account_id = :a",
            a=account_id,
        )
        == 1
    )
    assert (
        await count(
            factory,
            "SELECT count(*) FROM clients.erp_inbox WHERE payload->'data'->>'erp_ref' = :r",
            r=f"PAY-{code}",
        )
        == 6
    )


async def test_concurrent_manual_payments_with_one_key_write_once(
    committed: tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]],
) -> None:
    client, account_id, code, factory = committed
    body = {
        "account_id": account_id,
        "reference": f"BANK-{code}",
        "amount": money("120.00"),
        "received_on": "2026-11-25",
    }
    headers = {**bearer(Role.FINANCE, employee_id=950), "Idempotency-Key": f"{code}-k"}
    responses = await asyncio.gather(
        *(client.post("/v1/clients/payments", json=body, headers=headers) for _ in range(5))
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert await count(factory, "SELECT count(*) FROM clients.payments WHERE account_id = :a",
                       a=account_id) == 1  # fmt: skip


async def test_payments_racing_their_invoice_apply_once_after_it(
    committed: tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]],
) -> None:
    """Issue 26: events apply under the locks of their invoice, payment and account, not
    one lock for all; a payment that arrives before its invoice, in a parallel delivery,
    still waits for it and is applied once, after it (the invoice's follow-up or its own
    apply), and a repeat under another webhook id changes nothing."""
    client, account_id, code, factory = committed
    for round_no in range(3):  # several races: which one wins varies
        document = f"INV-{code}-R{round_no}"
        invoice = invoice_event(document, code, [("2026-12-01", "900.00")])
        payments = [
            payment_event(f"PAY-{code}-R{round_no}-{i}", code, "100.00", "2026-11-20",
                          [(document, 1, "100.00")])
            for i in range(4)
        ]  # fmt: skip
        repeats = [{**payment, "id": f"evt_{uuid.uuid4().hex}"} for payment in payments]
        events = [*payments[:2], invoice, *payments[2:], *repeats]
        responses = await asyncio.gather(*(deliver(client, event) for event in events))
        assert [r.status_code for r in responses] == [200] * len(events)
        outcomes = [r.json()["outcome"] for r in responses]
        assert outcomes[2] == "applied"  # the invoice
        assert set(outcomes) <= {"applied", "pending"}, outcomes
        waiting = await count(
            factory,
            "SELECT count(*) FROM clients.erp_inbox WHERE payload->'data'->>'account_ref' = :c "
            "AND applied_at IS NULL",
            c=code,
        )
        assert waiting == 0  # every payment that waited was applied after its invoice
        paid = await count(
            factory,
            "SELECT (l.paid_amount * 100)::bigint FROM clients.invoice_lines l JOIN "
            "clients.invoices i ON i.id = l.invoice_id WHERE i.erp_document_no = :d",
            d=document,
        )
        assert paid == 40_000  # four payments of 100.00, each allocated once
    assert await count(factory, "SELECT count(*) FROM clients.payments WHERE account_id = :a",
                       a=account_id) == 12  # fmt: skip
    assert (
        await count(
            factory,
            "SELECT count(*) FROM clients.payment_allocations pa JOIN clients.payments p "
            "ON p.id = pa.payment_id WHERE p.account_id = :a",
            a=account_id,
        )
        == 12
    )


async def test_an_account_being_applied_holds_up_only_its_own_events(
    committed: tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]],
    engines: dict[str, AsyncEngine],
) -> None:
    """While a transaction holds one account's lock, another account's payment applies;
    the held account's payment waits for it (it did not with one lock for everything,
    where any apply held up all the others)."""
    client, account_id, code, factory = committed
    seed = 700_000 + uuid.uuid4().int % 200_000
    other_code = credit_code(seed)
    async with factory() as session:
        other = Account(legal_name=f"并发测试{seed}有限公司", credit_code=other_code, owner_id=KAM)
        session.add(other)
        await session.commit()
        assert other.id is not None
        other_id = other.id
    try:
        async with engines["clients"].connect() as holder:
            await holder.execute(
                text("SELECT pg_advisory_xact_lock(:space, :key)"),
                {"space": SPACE, "key": record_key("account", account_id)},
            )
            held = asyncio.create_task(
                deliver(client, payment_event(f"PAY-{code}-H", code, "10.00", "2026-11-20"))
            )
            free = await asyncio.wait_for(
                deliver(client, payment_event(f"PAY-{other_code}-F", other_code, "10.00",
                                              "2026-11-20")),
                timeout=20,
            )  # fmt: skip
            assert free.json()["outcome"] == "applied", free.text
            await asyncio.sleep(0.5)
            assert not held.done()  # waits for its account
            await holder.rollback()
        released = await asyncio.wait_for(held, timeout=20)
        assert released.json()["outcome"] == "applied", released.text
    finally:
        async with factory() as session:
            for statement in CLEANUP:
                await session.execute(
                    text(statement), {"a": other_id, "code": other_code, "prefix": "-"}
                )
            await session.commit()

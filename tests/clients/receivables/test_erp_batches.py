"""Concurrent deliveries applied in batches store what one at a time stores (issue 26)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.dependencies import build_erp_ingest
from services.clients.settings import ClientsSettings
from tests.clients.conftest import KAM, credit_code
from tests.clients.receivables.factories import SECRET, deliver, invoice_event, payment_event
from tests.clients.receivables.test_concurrency import CLEANUP, committed

__all__ = ["committed"]  # the fixture

Committed = tuple[httpx.AsyncClient, int, str, async_sessionmaker[AsyncSession]]


def burst(plain: str, waiting: str, tag: str) -> list[dict[str, Any]]:
    """Payments of one account (the set-based path), an invoice and a payment waiting for
    it on another, repeats of the same deliveries and of the same payments under new ids."""
    document = f"INV-{tag}-W"
    payments = [
        payment_event(f"PAY-{tag}-{n}", plain, f"{150 + 37 * n}.00", "2026-11-20")
        for n in range(12)
    ]
    waiting_payment = payment_event(
        f"PAY-{tag}-W", waiting, "250.00", "2026-11-20", [(document, 1, "250.00")]
    )
    invoice = invoice_event(document, waiting, [("2026-12-01", "400.00")])
    events = [waiting_payment, *payments[:6], invoice, *payments[6:]]
    return [
        *events,
        *payments[:3],  # the same deliveries again
        {**payments[3], "id": f"evt_{uuid.uuid4().hex}"},  # the same payment, a new id
        # Every line of the plain account ends paid whatever the order of these concurrent
        # deliveries (they bring more than is open), so what is stored can be compared.
        payment_event(f"PAY-{tag}-X", plain, "80.00", "2026-11-21"),
    ]


async def stored(factory: async_sessionmaker[AsyncSession], tag: str) -> dict[str, Any]:
    """What the burst left, without ids and with the tag taken out of references."""
    async with factory() as session:

        async def rows(sql: str) -> list[tuple[Any, ...]]:
            result = await session.execute(text(sql), {"p": f"PAY-{tag}-%", "d": f"INV-{tag}-%"})
            return sorted(tuple(str(v).replace(tag, "T") for v in row) for row in result.all())

        return {
            "payments": await rows(
                "SELECT erp_ref, amount, amount_base, currency, status, received_on "
                "FROM clients.payments WHERE erp_ref LIKE :p"
            ),
            "money": await rows(
                "SELECT count(*), sum(unallocated_amount) FROM clients.payments "
                "WHERE erp_ref LIKE :p"
            ),
            "lines": await rows(
                "SELECT i.erp_document_no, l.line_no, l.paid_amount, i.status FROM "
                "clients.invoice_lines l JOIN clients.invoices i ON i.id = l.invoice_id "
                "WHERE i.account_id IN (SELECT account_id FROM clients.payments "
                "WHERE erp_ref LIKE :p)"
            ),
            "allocated": await rows(
                "SELECT p.erp_ref, coalesce(sum(a.amount), 0) + p.unallocated_amount = p.amount "
                "FROM "
                "clients.payment_allocations a RIGHT JOIN clients.payments p ON "
                "p.id = a.payment_id WHERE p.erp_ref LIKE :p GROUP BY p.id"
            ),
            "waiting": await rows(
                "SELECT count(*) FROM clients.erp_inbox WHERE applied_at IS NULL AND "
                "payload->'data'->>'erp_ref' LIKE :p"
            ),
            "audit": await rows(
                "SELECT count(*) FROM clients.audit_log WHERE action = 'erp_receive' AND "
                "entity_id::bigint IN (SELECT id FROM clients.payments WHERE erp_ref LIKE :p)"
            ),
        }


async def test_a_concurrent_burst_stores_what_one_at_a_time_stores(committed: Committed) -> None:
    client, _account, code, factory = committed
    seeds = [900_000 + uuid.uuid4().int % 90_000 + n * 100_000 for n in range(3)]
    codes = [credit_code(seed) for seed in seeds]
    ids: list[int] = []
    async with factory() as session:
        for seed, other in zip(seeds, codes, strict=True):
            account = Account(legal_name=f"批量测试{seed}有限公司", credit_code=other, owner_id=KAM)
            session.add(account)
            await session.flush()
            assert account.id is not None
            ids.append(account.id)
        await session.commit()
    batched, alone = f"B{seeds[0]}", f"A{seeds[0]}"
    try:
        # Open lines for the plain payments to take, oldest due first.
        for tag, plain in ((batched, code), (alone, codes[0])):
            old = invoice_event(f"INV-{tag}-O", plain, [("2026-10-01", "500.00"),
                                                        ("2026-11-01", "700.00")])  # fmt: skip
            assert (await deliver(client, old)).json()["outcome"] == "applied"
        events = burst(code, codes[1], batched)
        responses = await asyncio.gather(*(deliver(client, event) for event in events))
        assert [r.status_code for r in responses] == [200] * len(events)
        outcomes = [r.json()["outcome"] for r in responses]
        settings = ClientsSettings(erp_webhook_secrets=[SECRET])
        expected = []
        for event in burst(codes[0], codes[2], alone):
            async with factory() as session:
                ingest = build_erp_ingest(session, settings)
                receipt = await ingest.receive(event["id"], ingest.parse(event), event)
                await session.commit()
            expected.append(receipt.outcome.value)
        # The waiting payment may wait or find its invoice: either way applied once.
        assert sorted(o.replace("pending", "applied") for o in outcomes) == sorted(
            o.replace("pending", "applied") for o in expected
        )
        assert outcomes.count("duplicate") == 3
        assert await stored(factory, batched) == await stored(factory, alone)
    finally:
        async with factory() as session:
            for other_id, other in zip(ids, codes, strict=True):
                for statement in CLEANUP:
                    await session.execute(
                        text(statement), {"a": other_id, "code": other, "prefix": "-"}
                    )
            await session.commit()

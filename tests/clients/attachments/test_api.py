"""Attachments through the API (PostgreSQL storage): a round trip with a Chinese file
name, the limits (413, 415, 422 checksum), streaming past one chunk, scope as the owning
record's, every kind of record, and delete audited."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from tests.authz.world import created
from tests.clients.conftest import (
    DEPARTMENT,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
    feed_org,
)
from tests.clients.contracts.test_api import draft
from tests.conftest import _client_in_transaction

CHUNK = 4096  # the chunk size of these tests' app: a file of a few chunks stays small
MAX = 64 * 1024
NAME = "2026年度框架合同扫描件.pdf"
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_STRANGER = acting(SPECIALIST, Role.ACCOUNT_MANAGER)


@pytest.fixture
async def app_and_client(
    engines: dict[str, AsyncEngine],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    from services.clients.app import create_app

    settings = ClientsSettings(attachment_chunk_bytes=CHUNK, attachment_max_bytes=MAX)
    app = create_app(settings)
    async for client in _client_in_transaction(engines["clients"], app):
        await feed_org(client, DEPARTMENT)
        yield app, client


@pytest.fixture
async def client(app_and_client: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


def upload(
    content: bytes,
    name: str = NAME,
    content_type: str = "application/pdf",
    sha256: str | None = None,
) -> dict[str, Any]:
    data = {"sha256": sha256} if sha256 is not None else {}
    return {"files": {"file": (name, content, content_type)}, "data": data}


async def contract_of(client: httpx.AsyncClient, owner: int = KAM) -> tuple[int, int]:
    account = await create_account(client, owner_id=owner)
    return account["id"], (await draft(client, account["id"]))["id"]


async def test_round_trip_keeps_bytes_name_and_checksum(client: httpx.AsyncClient) -> None:
    account_id, contract_id = await contract_of(client)
    content = os.urandom(3 * CHUNK + 17)  # more than one chunk: stored and read in pieces
    digest = hashlib.sha256(content).hexdigest()
    sent = await client.post(
        f"/v1/clients/contracts/{contract_id}/attachments",
        **upload(content, sha256=digest.upper()),
        headers=AS_KAM,
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["account_id"] == account_id
    assert body["record_kind"] == "contract"
    assert body["contract_id"] == contract_id and body["ticket_id"] is None
    assert body["file_name"] == NAME
    assert body["size_bytes"] == len(content) and body["sha256"] == digest
    assert body["uploaded_by"] == KAM
    assert sent.headers["location"] == f"/v1/clients/attachments/{body['id']}"
    assert sent.headers["etag"]

    got = await client.get(f"/v1/clients/attachments/{body['id']}/content", headers=AS_KAM)
    assert got.status_code == 200, got.text
    assert got.content == content
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-length"] == str(len(content))
    disposition = got.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition
    assert disposition.startswith('attachment; filename="2026_.pdf"')
    assert disposition.isascii()

    listed = await client.get(f"/v1/clients/contracts/{contract_id}/attachments", headers=AS_KAM)
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]


async def test_the_bytes_are_kept_in_chunks_of_the_set_size(
    app_and_client: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = app_and_client
    _, contract_id = await contract_of(client)
    content = os.urandom(3 * CHUNK + 17)
    sent = await client.post(f"/v1/clients/contracts/{contract_id}/attachments", **upload(content))
    assert sent.status_code == 201, sent.text
    async with app.state.session_factory() as session:
        sizes = (
            (
                await session.execute(
                    text(
                        "SELECT length(data) FROM clients.attachment_chunks "
                        "WHERE attachment_id = :id ORDER BY seq"
                    ),
                    {"id": sent.json()["id"]},
                )
            )
            .scalars()
            .all()
        )
    assert sizes == [CHUNK, CHUNK, CHUNK, 17]


async def test_a_file_over_the_limit_is_413_and_nothing_is_kept(client: httpx.AsyncClient) -> None:
    _, contract_id = await contract_of(client)
    sent = await client.post(
        f"/v1/clients/contracts/{contract_id}/attachments", **upload(b"x" * (MAX + 1))
    )
    assert sent.status_code == 413, sent.text
    assert sent.json()["type"] == "urn:kam:problem:payload-too-large"
    listed = await client.get(f"/v1/clients/contracts/{contract_id}/attachments")
    assert listed.json()["items"] == []


async def test_a_type_not_accepted_is_415(client: httpx.AsyncClient) -> None:
    _, contract_id = await contract_of(client)
    path = f"/v1/clients/contracts/{contract_id}/attachments"
    wrong = await client.post(
        path, **upload(b"MZ\x90\x00", "setup.exe", "application/x-msdownload")
    )
    assert wrong.status_code == 415, wrong.text
    assert wrong.json()["type"] == "urn:kam:problem:unsupported-media-type"
    not_multipart = await client.post(path, json={"file": "abc"})
    assert not_multipart.status_code == 415, not_multipart.text


async def test_a_checksum_that_differs_is_422_and_nothing_is_kept(
    client: httpx.AsyncClient,
) -> None:
    _, contract_id = await contract_of(client)
    path = f"/v1/clients/contracts/{contract_id}/attachments"
    wrong = hashlib.sha256(b"another file").hexdigest()
    sent = await client.post(path, **upload(b"%PDF-1.7 contract", sha256=wrong))
    assert sent.status_code == 422, sent.text
    problem = sent.json()
    assert problem["errors"][0]["type"] == "checksum_mismatch"
    assert problem["errors"][0]["loc"] == ["body", "sha256"]
    assert (await client.get(path)).json()["items"] == []


async def test_a_manager_of_another_line_cannot_download_and_a_stranger_gets_404(
    client: httpx.AsyncClient,
) -> None:
    """KAM reports to the department manager, not to LEAD: LEAD's line does not hold the
    contract, so its scan is missing for him exactly as the contract is."""
    _, contract_id = await contract_of(client)
    sent = await client.post(
        f"/v1/clients/contracts/{contract_id}/attachments", **upload(b"%PDF scan"), headers=AS_KAM
    )
    attachment = f"/v1/clients/attachments/{sent.json()['id']}"
    for caller in (AS_LEAD, AS_STRANGER):
        record = await client.get(f"/v1/clients/contracts/{contract_id}", headers=caller)
        assert record.status_code == 404
        for path in (attachment, f"{attachment}/content"):
            seen = await client.get(path, headers=caller)
            missing = await client.get(
                "/v1/clients/attachments/987654321" + path[len(attachment) :], headers=caller
            )
            assert seen.status_code == 404, seen.text
            assert (seen.json()["type"], seen.json()["title"]) == (
                missing.json()["type"],
                missing.json()["title"],
            )
            assert seen.json()["detail"].replace(str(sent.json()["id"]), "#") == missing.json()[
                "detail"
            ].replace("987654321", "#")
        listed = await client.get(
            f"/v1/clients/contracts/{contract_id}/attachments", headers=caller
        )
        assert listed.status_code == 404
        put = await client.post(
            f"/v1/clients/contracts/{contract_id}/attachments", **upload(b"x"), headers=caller
        )
        assert put.status_code == 404
    own = await client.get(f"{attachment}/content", headers=AS_KAM)
    assert own.status_code == 200 and own.content == b"%PDF scan"


async def test_every_kind_of_record_takes_files(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    account = await create_account(client)
    contact = (await create_contact(client, account["id"]))["id"]
    base = f"/v1/clients/accounts/{account['id']}"
    opportunity = await created(
        client, document, f"{base}/opportunities", owner_id=KAM, lines=[], members=[],
        contacts=[],
    )  # fmt: skip
    records = {
        "accounts": account["id"],
        "contracts": (await draft(client, account["id"]))["id"],
        "visits": await created(client, document, f"{base}/visits", contact_ids=[contact]),
        "tickets": await created(client, document, f"{base}/tickets", contact_id=contact),
        "opportunities": opportunity,
        "bids": await created(client, document, f"/v1/clients/opportunities/{opportunity}/bids"),
    }
    for collection, record_id in records.items():
        path = f"/v1/clients/{collection}/{record_id}/attachments"
        sent = await client.post(path, **upload(b"hello", "说明.txt", "text/plain"))
        assert sent.status_code == 201, (collection, sent.text)
        assert sent.json()["account_id"] == account["id"]
        listed = (await client.get(path)).json()["items"]
        assert [a["id"] for a in listed] == [sent.json()["id"]], collection
        missing = await client.post(
            f"/v1/clients/{collection}/987654321/attachments", **upload(b"x", "a.txt", "text/plain")
        )
        assert missing.status_code == 404, collection


async def test_delete_is_audited_and_the_file_is_gone(
    app_and_client: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = app_and_client
    account_id, contract_id = await contract_of(client)
    sent = await client.post(
        f"/v1/clients/contracts/{contract_id}/attachments", **upload(b"%PDF old scan")
    )
    attachment_id = sent.json()["id"]
    path = f"/v1/clients/attachments/{attachment_id}"
    assert (await client.delete(path, headers=AS_KAM)).status_code == 428
    stranger = await client.delete(path, headers={**AS_STRANGER, "If-Match": '"1"'})
    assert stranger.status_code == 404
    tag = (await client.get(path)).headers["etag"]
    gone = await client.delete(path, headers={**AS_KAM, "If-Match": tag})
    assert gone.status_code == 204, gone.text
    assert (await client.get(path)).status_code == 404
    assert (await client.get(f"{path}/content")).status_code == 404
    listed = await client.get(f"/v1/clients/contracts/{contract_id}/attachments")
    assert listed.json()["items"] == []
    audit = await client.get(
        "/v1/clients/audit", params={"entity": "attachment", "entity_id": attachment_id}
    )
    entries = {e["action"]: e for e in audit.json()["items"]}
    assert set(entries) == {"create", "delete"}
    deleted = entries["delete"]
    assert deleted["actor_employee_id"] == KAM
    assert deleted["account_id"] == account_id
    assert deleted["before"]["file_name"] == NAME and deleted["after"] is None
    async with app.state.session_factory() as session:
        chunks = (
            await session.execute(
                text("SELECT count(*) FROM clients.attachment_chunks WHERE attachment_id = :id"),
                {"id": attachment_id},
            )
        ).scalar_one()
        row = (
            await session.execute(
                text("SELECT deleted_by FROM clients.attachments WHERE id = :id"),
                {"id": attachment_id},
            )
        ).scalar_one()
    assert chunks == 0 and row == KAM


async def test_a_keyed_upload_is_replayed_not_stored_twice(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Idempotency-Key middleware spools a keyed body (here to disk: past a tiny
    in-memory size) rather than holding it, and replays it to the route in pieces."""
    import shared.idempotent_creations

    monkeypatch.setattr(shared.idempotent_creations, "SPOOL_IN_MEMORY", 1024)
    _, contract_id = await contract_of(client)
    path = f"/v1/clients/contracts/{contract_id}/attachments"
    content = os.urandom(5 * CHUNK)
    headers = {
        "Idempotency-Key": str(uuid.uuid4()),
        "Content-Type": "multipart/form-data; boundary=fixed-boundary",
    }
    first = await client.post(path, **upload(content), headers=headers)
    again = await client.post(path, **upload(content), headers=headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert len((await client.get(path)).json()["items"]) == 1

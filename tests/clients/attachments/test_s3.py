"""The S3 backend against a real S3-compatible server: moto's standalone server started
as a process of its own on 127.0.0.1 (``moto_server``), spoken to over HTTP by
aiobotocore exactly as a bucket in production would be."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiobotocore.session import get_session
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.test_runner import free_port
from services.clients.settings import ClientsSettings
from tests.clients.attachments.test_api import NAME, upload
from tests.clients.conftest import DEPARTMENT, create_account, feed_org
from tests.clients.contracts.test_api import draft
from tests.conftest import _client_in_transaction

BUCKET = "kam-attachments-test"
PART = 5 * 1024 * 1024  # S3's smallest part: a file above it goes up in a multipart upload
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


async def objects(endpoint: str) -> dict[str, bytes]:
    """Every object in the test bucket, read back over HTTP."""
    async with get_session().create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", **KEYS
    ) as client:
        listed = await client.list_objects_v2(Bucket=BUCKET)
        found = {}
        for item in listed.get("Contents", []):
            answer = await client.get_object(Bucket=BUCKET, Key=item["Key"])
            async with answer["Body"] as body:
                found[item["Key"]] = await body.read()
        return found


@pytest.fixture
async def s3_client(
    s3_endpoint: str, engines: dict[str, AsyncEngine]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with get_session().create_client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS
    ) as client:
        await client.create_bucket(Bucket=BUCKET)
    from services.clients.app import create_app

    settings = ClientsSettings(
        attachment_storage="s3",
        attachment_s3_endpoint=s3_endpoint,
        attachment_s3_bucket=BUCKET,
        attachment_s3_access_key=KEYS["aws_access_key_id"],
        attachment_s3_secret_key=KEYS["aws_secret_access_key"],
        attachment_s3_part_bytes=PART,
        attachment_max_bytes=3 * PART,
    )
    app = create_app(settings)
    async for client in _client_in_transaction(engines["clients"], app):
        await feed_org(client, DEPARTMENT)
        yield app, client
    async with get_session().create_client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS
    ) as client:
        for key in await objects(s3_endpoint):
            await client.delete_object(Bucket=BUCKET, Key=key)


async def contract_path(client: httpx.AsyncClient) -> str:
    account = await create_account(client)
    return f"/v1/clients/contracts/{(await draft(client, account['id']))['id']}/attachments"


@pytest.mark.parametrize("size", [1000, PART + PART // 2], ids=["one-put", "multipart"])
async def test_round_trip_through_the_bucket(
    s3_client: tuple[FastAPI, httpx.AsyncClient], s3_endpoint: str, size: int
) -> None:
    app, client = s3_client
    content = os.urandom(size)
    digest = hashlib.sha256(content).hexdigest()
    sent = await client.post(await contract_path(client), **upload(content, sha256=digest))
    assert sent.status_code == 201, sent.text
    assert sent.json()["sha256"] == digest
    stored = await objects(s3_endpoint)
    assert list(stored.values()) == [content]  # the bytes are in the bucket …
    async with app.state.session_factory() as session:
        row = (
            await session.execute(
                text(
                    "SELECT storage, storage_key, "
                    "(SELECT count(*) FROM clients.attachment_chunks c "
                    " WHERE c.attachment_id = a.id) FROM clients.attachments a WHERE id = :id"
                ),
                {"id": sent.json()["id"]},
            )
        ).one()
    assert (row[0], row[1], row[2]) == ("s3", next(iter(stored)), 0)  # … and not in PostgreSQL
    got = await client.get(f"/v1/clients/attachments/{sent.json()['id']}/content")
    assert got.status_code == 200
    assert got.content == content
    assert "filename*=UTF-8''" in got.headers["content-disposition"]

    path = f"/v1/clients/attachments/{sent.json()['id']}"
    deleted = await client.delete(path, headers={"If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.text
    assert await objects(s3_endpoint) == {}


async def test_a_refused_upload_leaves_no_object(
    s3_client: tuple[FastAPI, httpx.AsyncClient], s3_endpoint: str
) -> None:
    _, client = s3_client
    path = await contract_path(client)
    wrong = hashlib.sha256(b"other").hexdigest()
    mismatch = await client.post(path, **upload(b"%PDF scan", NAME, sha256=wrong))
    assert mismatch.status_code == 422, mismatch.text
    too_large = await client.post(path, **upload(os.urandom(3 * PART + 1)))
    assert too_large.status_code == 413, too_large.text
    assert await objects(s3_endpoint) == {}
    assert (await client.get(path)).json()["items"] == []

"""Where the bytes of attachments are kept: PostgreSQL (default) or an S3-compatible bucket.

Both take the file as it streams in and give it back as it streams out: PostgreSQL in
chunks of ``attachment_chunk_bytes`` (one row each in ``clients.attachment_chunks``, read
back one row at a time), S3 in parts of ``attachment_s3_part_bytes`` (a multipart upload
once the file outgrows one part), so no file is ever held whole in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from aiobotocore.session import get_session
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.attachments.models import Attachment
from services.clients.attachments.repository import AttachmentRepository
from services.clients.attachments.rules import AttachmentStorageKind

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client


class Writer(Protocol):
    """One file being stored: bytes in order, then ``finish`` (or ``abort``)."""

    async def write(self, data: bytes) -> None: ...

    async def finish(self) -> None: ...

    async def abort(self) -> None: ...

    async def discard(self) -> None: ...


class Storage(Protocol):
    kind: AttachmentStorageKind

    def writer(self, attachment: Attachment, repository: AttachmentRepository) -> Writer: ...

    def read(self, attachment: Attachment) -> AsyncIterator[bytes]: ...

    async def remove(self, attachment: Attachment, repository: AttachmentRepository) -> None: ...


class _Buffer:
    """Bytes gathered up to ``size``, handed on in pieces of exactly ``size`` (the last
    one shorter)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data = bytearray()

    def add(self, data: bytes) -> list[bytes]:
        self.data += data
        full: list[bytes] = []
        while len(self.data) >= self.size:
            full.append(bytes(self.data[: self.size]))
            del self.data[: self.size]
        return full

    def rest(self) -> bytes:
        rest, self.data = bytes(self.data), bytearray()
        return rest


class PostgresStorage:
    """Chunks in ``clients.attachment_chunks``, written in the request's transaction (a
    failed upload leaves nothing) and read back in a session of their own, one chunk per
    query."""

    kind = AttachmentStorageKind.POSTGRES

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], chunk_bytes: int):
        self.session_factory = session_factory
        self.chunk_bytes = chunk_bytes

    def writer(self, attachment: Attachment, repository: AttachmentRepository) -> Writer:
        return _PostgresWriter(attachment, repository, self.chunk_bytes)

    async def read(self, attachment: Attachment) -> AsyncIterator[bytes]:
        assert attachment.id is not None
        seq = 0
        async with self.session_factory() as session:
            repository = AttachmentRepository(session)
            while (data := await repository.chunk(attachment.id, seq)) is not None:
                yield data
                seq += 1

    async def remove(self, attachment: Attachment, repository: AttachmentRepository) -> None:
        assert attachment.id is not None
        await repository.drop_chunks(attachment.id)


class _PostgresWriter:
    def __init__(self, attachment: Attachment, repository: AttachmentRepository, size: int):
        self.attachment = attachment  # its id is known once the row is added
        self.repository = repository
        self.buffer = _Buffer(size)
        self.seq = 0

    async def _store(self, data: bytes) -> None:
        assert self.attachment.id is not None
        await self.repository.add_chunk(self.attachment.id, self.seq, data)
        self.seq += 1

    async def write(self, data: bytes) -> None:
        for chunk in self.buffer.add(data):
            await self._store(chunk)

    async def finish(self) -> None:
        rest = self.buffer.rest()
        if rest:
            await self._store(rest)

    async def abort(self) -> None:
        """Nothing to undo: the request's transaction rolls the chunks back."""

    async def discard(self) -> None:
        """Likewise: the chunks go with the transaction."""


class S3Storage:
    """Objects ``attachments/<uuid>`` in an S3-compatible bucket (aiobotocore)."""

    kind = AttachmentStorageKind.S3

    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str | None,
        region: str,
        access_key: str,
        secret_key: str,
        part_bytes: int,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.part_bytes = part_bytes

    def client(self) -> AbstractAsyncContextManager[S3Client]:
        return get_session().create_client(  # type: ignore[no-any-return]
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def writer(self, attachment: Attachment, repository: AttachmentRepository) -> Writer:
        attachment.storage_key = f"attachments/{uuid.uuid4().hex}"
        return _S3Writer(self, attachment.storage_key)

    async def read(self, attachment: Attachment) -> AsyncIterator[bytes]:
        assert attachment.storage_key is not None
        async with self.client() as client:
            answer = await client.get_object(Bucket=self.bucket, Key=attachment.storage_key)
            body = answer["Body"]
            try:
                async for chunk in body.iter_chunks(64 * 1024):
                    yield chunk
            finally:
                body.close()

    async def remove(self, attachment: Attachment, repository: AttachmentRepository) -> None:
        if attachment.storage_key is None:
            return
        async with self.client() as client:
            await client.delete_object(Bucket=self.bucket, Key=attachment.storage_key)


class _S3Writer:
    """One object: a single PUT when the file fits in one part, else a multipart upload
    (parts of ``part_bytes``, the last one shorter), aborted on failure."""

    def __init__(self, storage: S3Storage, key: str) -> None:
        self.storage = storage
        self.key = key
        self.buffer = _Buffer(storage.part_bytes)
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.client: S3Client | None = None
        self.context: AbstractAsyncContextManager[S3Client] | None = None

    async def _client(self) -> S3Client:
        if self.client is None:
            self.context = self.storage.client()
            self.client = await self.context.__aenter__()
        return self.client

    async def _close(self) -> None:
        if self.context is not None:
            await self.context.__aexit__(None, None, None)
        self.client = self.context = None

    async def _part(self, data: bytes) -> None:
        client = await self._client()
        if self.upload_id is None:
            started = await client.create_multipart_upload(Bucket=self.storage.bucket, Key=self.key)
            self.upload_id = started["UploadId"]
        number = len(self.parts) + 1
        sent = await client.upload_part(
            Bucket=self.storage.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
        )
        self.parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def write(self, data: bytes) -> None:
        for part in self.buffer.add(data):
            await self._part(part)

    async def finish(self) -> None:
        try:
            rest = self.buffer.rest()
            client = await self._client()
            if self.upload_id is None:
                await client.put_object(Bucket=self.storage.bucket, Key=self.key, Body=rest)
                return
            if rest:
                await self._part(rest)
            await client.complete_multipart_upload(
                Bucket=self.storage.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},  # type: ignore[typeddict-item]
            )
        finally:
            await self._close()

    async def abort(self) -> None:
        try:
            if self.upload_id is not None:
                client = await self._client()
                await client.abort_multipart_upload(
                    Bucket=self.storage.bucket, Key=self.key, UploadId=self.upload_id
                )
        finally:
            await self._close()

    async def discard(self) -> None:
        """Remove the object written (a checksum that did not match, a failed insert)."""
        async with self.storage.client() as client:
            await client.delete_object(Bucket=self.storage.bucket, Key=self.key)

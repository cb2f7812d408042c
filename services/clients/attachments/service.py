"""Attachments (附件): upload (streamed, checked, checksummed), list, download, delete.

Who may see or change an attachment is decided by the record it is attached to: the
owner lookup asks that record's own service for it within the caller's scope (the same
rule as reading the record), so an attachment answers exactly like its record — a
record out of scope is missing, and so are its attachments. Deleting is soft for the row
(it stays, with who deleted it when, for the audit trail) and hard for the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from services.clients.access import OwnerScope
from services.clients.attachments.models import Attachment
from services.clients.attachments.repository import AttachmentRepository
from services.clients.attachments.rules import (
    SHA256_HEX,
    OwnerKind,
    checksum_matches,
    clean_file_name,
    content_type_allowed,
    media_type,
)
from services.clients.attachments.storage import Storage, Writer
from services.clients.attachments.upload import (
    PartData,
    PartEnd,
    PartStart,
    boundary_of,
    form_events,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from shared.errors import DomainError, NotFound, PayloadTooLarge, UnprocessableContent

OwnerLookup = Callable[[OwnerKind, int, OwnerScope], Awaitable[int]]
"""The account of the record ``(kind, id)`` as the caller may see it (raises NotFound)."""

MAX_CHECKSUM_FIELD = 200
MULTIPART_OVERHEAD = 64 * 1024  # what a declared Content-Length may add to the file


class UnsupportedMediaType(DomainError):
    status, slug = 415, "unsupported-media-type"


def attachment_missing(attachment_id: int) -> NotFound:
    return NotFound(f"attachment {attachment_id} does not exist")


def _field_error(field: str, message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


class AttachmentService:
    def __init__(
        self,
        repository: AttachmentRepository,
        storage: Storage,
        audit: AuditTrail,
        owners: OwnerLookup,
        *,
        max_bytes: int,
        content_types: Collection[str],
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.storage = storage
        self.audit = audit
        self.owners = owners
        self.max_bytes = max_bytes
        self.content_types = content_types
        self.now = now

    async def upload(
        self,
        kind: OwnerKind,
        owner_id: int,
        content_type: str | None,
        declared_length: int | None,
        chunks: AsyncIterator[bytes],
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Attachment:
        """Store the ``file`` part of a multipart body on the record: the record first (404
        as the record answers), then the body's type (415), the file's type (415) and size
        (413, counted as it streams), and the optional ``sha256`` part (422 on mismatch)."""
        account_id = await self.owners(kind, owner_id, owner_ids)
        boundary = boundary_of(content_type)
        if boundary is None:
            raise UnsupportedMediaType(
                f"send the file as multipart/form-data, not {media_type(content_type) or 'nothing'}"
            )
        if declared_length is not None and declared_length > self.max_bytes + MULTIPART_OVERHEAD:
            raise self._too_large()
        upload = _Upload(self, kind, owner_id, account_id, actor)
        try:
            async for event in form_events(chunks, boundary):
                await upload.take(event)
            attachment = await upload.finish()
        except BaseException:
            await upload.abandon()
            raise
        self._audit(attachment, "create", actor, before=None, after=self._summary(attachment))
        return attachment

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"an attachment may have at most {self.max_bytes} bytes")

    async def list(
        self,
        kind: OwnerKind,
        owner_id: int,
        owner_ids: OwnerScope,
        *,
        after_id: int | None,
        limit: int,
    ) -> list[Attachment]:
        await self.owners(kind, owner_id, owner_ids)
        rows = await self.repository.for_owner(
            kind.value, owner_id, owner_ids, after_id=after_id, limit=limit
        )
        return list(rows)

    async def get(self, attachment_id: int, owner_ids: OwnerScope) -> Attachment:
        """A live attachment whose record the caller may see (else 404 like missing)."""
        attachment = await self.repository.get(attachment_id)
        if attachment is None:
            raise attachment_missing(attachment_id)
        try:
            await self.owners(OwnerKind(attachment.owner_kind), attachment.owner_id, owner_ids)
        except NotFound:
            raise attachment_missing(attachment_id) from None
        return attachment

    def content(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The bytes, as the storage streams them."""
        return self.storage.read(attachment)

    async def delete(self, attachment_id: int, owner_ids: OwnerScope, actor: int | None) -> None:
        attachment = await self.get(attachment_id, owner_ids)
        assert attachment.id is not None
        before = self._summary(attachment)
        await self.storage.remove(attachment, self.repository)
        await self.repository.mark_deleted(attachment.id, self.now(), actor)
        self._audit(attachment, "delete", actor, before=before, after=None)

    @staticmethod
    def _summary(attachment: Attachment) -> dict[str, Any]:
        return {
            "owner_kind": attachment.owner_kind,
            "owner_id": attachment.owner_id,
            "file_name": attachment.file_name,
            "content_type": attachment.content_type,
            "size_bytes": attachment.size_bytes,
            "sha256": attachment.sha256,
            "storage": attachment.storage,
        }

    def _audit(
        self,
        attachment: Attachment,
        action: str,
        actor: int | None,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        assert attachment.id is not None
        self.audit.record(
            entity=AuditEntity.ATTACHMENT,
            entity_id=attachment.id,
            account_id=attachment.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=after,
        )


class _Upload:
    """One upload's state while its body streams in."""

    def __init__(
        self,
        service: AttachmentService,
        kind: OwnerKind,
        owner_id: int,
        account_id: int,
        actor: int | None,
    ) -> None:
        self.service = service
        self.kind = kind
        self.owner_id = owner_id
        self.account_id = account_id
        self.actor = actor
        self.part: str | None = None  # the part being read: "file", "sha256" or another
        self.attachment: Attachment | None = None
        self.writer: Writer | None = None
        self.finished = False
        self.hasher = hashlib.sha256()
        self.size = 0
        self.checksum = bytearray()
        self.checksum_given = False

    async def take(self, event: PartStart | PartData | PartEnd) -> None:
        if isinstance(event, PartStart):
            await self._start(event)
        elif isinstance(event, PartData):
            await self._data(event.data)
        elif self.part == "file" and self.writer is not None:
            await self.writer.finish()
            self.finished = True
            self.part = None
        else:
            self.part = None

    async def _start(self, part: PartStart) -> None:
        self.part = part.name
        if part.name == "sha256":
            self.checksum_given = True
            return
        if part.name != "file":
            return
        if self.attachment is not None:
            raise _field_error("file", "send one file per upload", "too_many_files")
        if part.file_name is None:
            raise _field_error("file", "the file part needs a file name", "missing_file_name")
        declared = media_type(part.content_type) or "application/octet-stream"
        if not content_type_allowed(declared, self.service.content_types):
            raise UnsupportedMediaType(
                f"files of type {declared} are not accepted; accepted: "
                + ", ".join(self.service.content_types)
            )
        storage = self.service.storage
        attachment = Attachment(
            account_id=self.account_id,
            owner_kind=self.kind.value,
            owner_id=self.owner_id,
            file_name=clean_file_name(part.file_name),
            content_type=declared,
            storage=storage.kind.value,
            uploaded_by=self.actor,
        )
        self.writer = storage.writer(attachment, self.service.repository)
        self.attachment = await self.service.repository.add(attachment)

    async def _data(self, data: bytes) -> None:
        if self.part == "sha256":
            self.checksum += data
            if len(self.checksum) > MAX_CHECKSUM_FIELD:
                raise _field_error("sha256", "a SHA-256 is 64 hex digits", "checksum_format")
        elif self.part == "file" and self.writer is not None:
            self.size += len(data)
            if self.size > self.service.max_bytes:
                raise self.service._too_large()
            self.hasher.update(data)
            await self.writer.write(data)

    async def finish(self) -> Attachment:
        if self.attachment is None or not self.finished:
            raise _field_error("file", "the body has no complete file part", "missing_file")
        computed = self.hasher.hexdigest()
        if self.checksum_given:
            sent = self.checksum.decode("ascii", errors="replace").strip()
            if not SHA256_HEX.match(sent):
                raise _field_error("sha256", "a SHA-256 is 64 hex digits", "checksum_format")
            if not checksum_matches(sent, computed):
                raise _field_error(
                    "sha256",
                    f"the file's SHA-256 is {computed}, not the {sent.lower()} sent: it "
                    "changed on the way; nothing was stored",
                    "checksum_mismatch",
                )
        self.attachment.size_bytes = self.size
        self.attachment.sha256 = computed
        return await self.service.repository.add(self.attachment)

    async def abandon(self) -> None:
        """Undo what the storage holds of a failed upload (the rows roll back with the
        request's transaction)."""
        if self.writer is None:
            return
        if self.finished:
            await self.writer.discard()
        else:
            await self.writer.abort()

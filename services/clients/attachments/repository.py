"""Every query for attachments and their chunks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlmodel import col, select

from services.clients.access import OwnerScope, visible_accounts
from services.clients.attachments.models import Attachment, AttachmentChunk
from services.clients.db import Repository


class AttachmentRepository(Repository):
    async def get(self, attachment_id: int) -> Attachment | None:
        """A live (not deleted) attachment, whoever may see it (the owner's rule decides)."""
        return (
            await self.session.exec(
                select(Attachment).where(
                    col(Attachment.id) == attachment_id, col(Attachment.deleted_at).is_(None)
                )
            )
        ).first()

    async def for_owner(
        self,
        owner_kind: str,
        owner_id: int,
        owner_ids: OwnerScope,
        *,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Attachment]:
        query = (
            select(Attachment)
            .where(
                col(Attachment.owner_kind) == owner_kind,
                col(Attachment.owner_id) == owner_id,
                col(Attachment.deleted_at).is_(None),
                visible_accounts(col(Attachment.account_id), owner_ids),
            )
            .order_by(col(Attachment.id))
            .limit(limit)
        )
        if after_id is not None:
            query = query.where(col(Attachment.id) > after_id)
        return (await self.session.exec(query)).all()

    async def add_chunk(self, attachment_id: int, seq: int, data: bytes) -> None:
        """One chunk, inserted at once (Core, not the ORM: a chunk must not stay in the
        session's identity map, or a large upload would be held whole until commit)."""
        await self.session.exec(
            insert(AttachmentChunk).values(attachment_id=attachment_id, seq=seq, data=data)
        )

    async def chunk(self, attachment_id: int, seq: int) -> bytes | None:
        return (
            await self.session.exec(
                select(col(AttachmentChunk.data)).where(
                    col(AttachmentChunk.attachment_id) == attachment_id,
                    col(AttachmentChunk.seq) == seq,
                )
            )
        ).first()

    async def drop_chunks(self, attachment_id: int) -> None:
        await self.session.exec(
            delete(AttachmentChunk).where(col(AttachmentChunk.attachment_id) == attachment_id)
        )

    async def mark_deleted(self, attachment_id: int, at: datetime, by: int | None) -> None:
        await self.session.exec(
            update(Attachment)
            .where(col(Attachment.id) == attachment_id)
            .values(deleted_at=at, deleted_by=by)
        )

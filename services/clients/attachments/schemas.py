"""Bodies of the attachments API (附件)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.clients.attachments.models import Attachment
from services.clients.attachments.rules import OwnerKind


class AttachmentRead(BaseModel):
    """A file attached to an account or a record under it (``record_kind``; the record's
    id in the field of its kind, the account's in ``account_id``): its name, type, size
    and SHA-256 (hex). The bytes are at ``/v1/clients/attachments/{id}/content``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "account_id": 42,
                    "record_kind": "contract",
                    "contract_id": 15,
                    "visit_id": None,
                    "ticket_id": None,
                    "opportunity_id": None,
                    "bid_id": None,
                    "file_name": "2026年度框架合同扫描件.pdf",
                    "content_type": "application/pdf",
                    "size_bytes": 482113,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "uploaded_by": 902,
                    "created_at": "2026-12-06T02:00:00+00:00",
                }
            ]
        }
    )

    id: int
    account_id: int
    record_kind: OwnerKind = Field(description="The kind of record the file is attached to.")
    contract_id: int | None = Field(description="The contract, when attached to one.")
    visit_id: int | None = Field(description="The visit, when attached to one.")
    ticket_id: int | None = Field(description="The ticket, when attached to one.")
    opportunity_id: int | None = Field(description="The opportunity, when attached to one.")
    bid_id: int | None = Field(description="The bid, when attached to one.")
    file_name: str = Field(max_length=255)
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the bytes, lower-case hex.")
    uploaded_by: int | None
    created_at: datetime


# The multipart body of an upload, as the contract documents it (the route reads the
# stream itself: the file is never parsed into memory).
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The file, with its name and content type in the "
                            "part's headers (filename or filename*=UTF-8''…).",
                        },
                        "sha256": {
                            "type": "string",
                            "pattern": "^[0-9a-fA-F]{64}$",
                            "description": "The file's SHA-256 (hex), checked when given: a "
                            "mismatch is 422 `checksum_mismatch` and nothing is stored.",
                        },
                    },
                }
            }
        },
    }
}


def attachment_read(attachment: Attachment) -> AttachmentRead:
    assert attachment.id is not None and attachment.created_at is not None
    kind = OwnerKind(attachment.owner_kind)
    ids = {
        f"{k.value}_id": attachment.owner_id if k is kind else None
        for k in OwnerKind
        if k is not OwnerKind.ACCOUNT
    }
    return AttachmentRead(
        id=attachment.id,
        account_id=attachment.account_id,
        record_kind=kind,
        file_name=attachment.file_name,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        sha256=attachment.sha256,
        uploaded_by=attachment.uploaded_by,
        created_at=attachment.created_at,
        **ids,
    )

"""The secrets the ERP's webhooks are verified with: those of
``CLIENTS_ERP_WEBHOOK_SECRETS`` and those an administrator added through the API and has
not retired yet (a rotation: add the new one, let the ERP sign with both, retire the old)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.erp.models import ErpWebhookSecret
from services.clients.settings import ClientsSettings
from shared.webhooks import generate_secret

MAX_ACTIVE_SECRETS = 4
"""A rotation needs two; more active at once means someone forgot to retire one."""


def fingerprint(secret: str) -> str:
    """What the API shows of a secret after it was made: 12 hex of its SHA-256."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()[:12]


class WebhookSecrets:
    """The API-managed secrets, bound to one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[ErpWebhookSecret]:
        query = select(ErpWebhookSecret).order_by(col(ErpWebhookSecret.id))
        return (await self.session.exec(query)).all()

    async def active(self) -> list[str]:
        query = select(ErpWebhookSecret.secret).where(col(ErpWebhookSecret.retired_at).is_(None))
        return list((await self.session.exec(query)).all())

    async def add(self, created_by: int | None) -> ErpWebhookSecret:
        record = ErpWebhookSecret(secret=generate_secret(), created_by=created_by)
        self.session.add(record)
        await self.session.flush()
        await self.session.refresh(record)
        return record

    async def get(self, secret_id: int) -> ErpWebhookSecret | None:
        return await self.session.get(ErpWebhookSecret, secret_id, with_for_update=True)

    async def retire(self, record: ErpWebhookSecret, at: datetime) -> None:
        record.retired_at = at
        self.session.add(record)
        await self.session.flush()


async def verifying_secrets(session: AsyncSession, settings: ClientsSettings) -> list[str]:
    """Every secret a delivery may be signed with now."""
    return [*settings.erp_webhook_secrets, *await WebhookSecrets(session).active()]

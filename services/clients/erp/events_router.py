"""What became of the ERP's events (for the ERP's key, finance and administrators), and
the rotation of the secrets its webhooks are signed with (administrators)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from services.clients.audit.schemas import AuditEntity
from services.clients.dependencies import ActorId, SettingsDep, audit_trail
from services.clients.erp.models import ErpWebhookSecret
from services.clients.erp.schemas import WebhookSecretCreated, WebhookSecretRead
from services.clients.erp.secrets import MAX_ACTIVE_SECRETS, WebhookSecrets, fingerprint
from services.clients.policies import MANAGE_ERP_SECRETS, READ_ERP_EVENTS
from services.clients.receivables.models import ErpInboxEvent
from services.clients.receivables.repository import ReceivablesRepository
from services.clients.receivables.schemas import (
    DeliveryOutcome,
    ErpEventStatus,
    ReceiptReason,
)
from shared.contract_shape import answer_headers
from shared.db import SessionDep
from shared.errors import LimitExceeded, NotFound, UnmetPrerequisite, problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, cursor_key, encode_cursor

router = APIRouter(prefix="/v1/clients/erp", tags=["receivables"])

EventId = Annotated[
    str, Path(min_length=1, max_length=255, description="The event's id (its webhook-id).")
]


def event_status(row: ErpInboxEvent) -> ErpEventStatus:
    if row.applied_at is None:
        outcome = DeliveryOutcome.PENDING
    else:  # settled before outcomes were recorded: applied
        outcome = DeliveryOutcome(row.outcome or DeliveryOutcome.APPLIED.value)
    assert row.received_at is not None
    return ErpEventStatus(
        event_id=row.webhook_id,
        type=row.event_type,
        received_at=row.received_at,
        outcome=outcome,
        applied_at=row.applied_at,
        waiting_for=row.error if row.applied_at is None else None,
        reasons=[ReceiptReason.model_validate(reason) for reason in row.reasons],
    )


@router.get(
    "/events/{event_id}",
    dependencies=[Depends(READ_ERP_EVENTS)],
    response_model=ErpEventStatus,
    summary="What became of one ERP event: applied, with warnings, refused, or pending",
    responses=problem_responses(401, 403, 404),
)
async def get_erp_event(event_id: EventId, session: SessionDep) -> ErpEventStatus:
    row = await ReceivablesRepository(session).event(event_id)
    if row is None:
        raise NotFound(f"ERP event {event_id} was not received")
    return event_status(row)


@router.get(
    "/pending-events",
    dependencies=[Depends(READ_ERP_EVENTS)],
    response_model=Page[ErpEventStatus],
    summary="ERP events still waiting, with what each waits for (oldest first)",
    description="An event waits for an account with its credit code, an invoice its "
    "payment names, or the payment a reversal names; it is applied when that arrives "
    "(or by `POST /v1/clients/erp/inbox/retry`).",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_pending_erp_events(
    session: SessionDep, limit: PageSize = 50, cursor: Cursor = None
) -> Page[ErpEventStatus]:
    rows = await ReceivablesRepository(session).pending_page(
        after_id=cursor_key(cursor), limit=limit
    )
    full = len(rows) == limit and bool(rows)
    return Page[ErpEventStatus](
        items=[event_status(row) for row in rows],
        next_cursor=encode_cursor({"id": rows[-1].id}) if full else None,
    )


def secret_read(record: ErpWebhookSecret) -> WebhookSecretRead:
    return WebhookSecretRead(
        id=record.id,
        source="api",
        fingerprint=fingerprint(record.secret),
        created_by=record.created_by,
        created_at=record.created_at,
        retired_at=record.retired_at,
    )


@router.get(
    "/webhook-secrets",
    dependencies=[Depends(MANAGE_ERP_SECRETS)],
    response_model=list[WebhookSecretRead],
    summary="The secrets ERP webhooks are verified with (fingerprints), retired ones too",
    responses=problem_responses(401, 403),
)
async def list_webhook_secrets(
    session: SessionDep, settings: SettingsDep
) -> list[WebhookSecretRead]:
    configured = [
        WebhookSecretRead(id=None, source="settings", fingerprint=fingerprint(secret))
        for secret in settings.erp_webhook_secrets
    ]
    return configured + [secret_read(record) for record in await WebhookSecrets(session).all()]


@router.post(
    "/webhook-secrets",
    dependencies=[Depends(MANAGE_ERP_SECRETS)],
    response_model=WebhookSecretCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Start a rotation: a new webhook secret, valid beside the others (shown once)",
    description="Give the secret to the ERP, which signs with every secret it holds; "
    "once it signs with the new one, retire the old one. 409 when "
    f"{MAX_ACTIVE_SECRETS} secrets added here are valid already.",
    responses=problem_responses(401, 403, 409),
    openapi_extra=answer_headers(201, location=True),
)
async def add_webhook_secret(
    session: SessionDep, response: Response, actor: ActorId
) -> WebhookSecretCreated:
    secrets = WebhookSecrets(session)
    if len(await secrets.active()) >= MAX_ACTIVE_SECRETS:
        raise LimitExceeded(
            f"{MAX_ACTIVE_SECRETS} webhook secrets are valid already; retire one first"
        )
    record = await secrets.add(actor)
    assert record.id is not None
    audit_trail(session).record(
        entity=AuditEntity.ERP_WEBHOOK_SECRET,
        entity_id=record.id,
        account_id=None,
        action="create",
        actor_employee_id=actor,
        after={"fingerprint": fingerprint(record.secret)},
    )
    response.headers["Location"] = f"{router.prefix}/webhook-secrets/{record.id}"
    return WebhookSecretCreated(**secret_read(record).model_dump(), secret=record.secret)


@router.post(
    "/webhook-secrets/{secret_id}/retire",
    dependencies=[Depends(MANAGE_ERP_SECRETS)],
    response_model=WebhookSecretRead,
    summary="End a rotation: deliveries signed only with this secret are refused from now",
    description="409 when it is the last valid secret (add its successor first); "
    "retiring a retired secret changes nothing.",
    responses=problem_responses(401, 403, 404, 409),
)
async def retire_webhook_secret(
    secret_id: IdPath, session: SessionDep, settings: SettingsDep, actor: ActorId
) -> WebhookSecretRead:
    secrets = WebhookSecrets(session)
    record = await secrets.get(secret_id)
    if record is None or record.id is None:
        raise NotFound(f"webhook secret {secret_id} does not exist")
    if record.retired_at is not None:
        return secret_read(record)
    if len(await secrets.active()) + len(settings.erp_webhook_secrets) <= 1:
        raise UnmetPrerequisite(
            "this is the last valid webhook secret: no delivery could be verified without it; "
            "add its successor first"
        )
    await secrets.retire(record, datetime.now(UTC))
    audit_trail(session).record(
        entity=AuditEntity.ERP_WEBHOOK_SECRET,
        entity_id=record.id,
        account_id=None,
        action="retire",
        actor_employee_id=actor,
        before={"fingerprint": fingerprint(record.secret)},
        after={"retired_at": record.retired_at.isoformat() if record.retired_at else None},
    )
    return secret_read(record)

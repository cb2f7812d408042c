"""HTTP endpoints of receivables and of the ERP's webhook."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import ValidationError

from services.clients.dependencies import (
    AccountScope,
    ActorId,
    ErpBatcherDep,
    ErpIngestDep,
    ErpWebhookSecretsDep,
    PaymentIdempotency,
    ReceivablesServiceDep,
    SettingsDep,
    WriteOffServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import ERP_WEBHOOK, READ_ACCOUNTS, WRITE_RECEIVABLES
from services.clients.receivables.repository import InvoiceQuery, PaymentQuery
from services.clients.receivables.rules import ageing_buckets
from services.clients.receivables.schemas import (
    AccountReceivables,
    AgeingGroup,
    AgeingReport,
    DeliveryReceipt,
    InvoiceDetail,
    InvoiceRead,
    InvoiceSort,
    InvoiceStatus,
    PaymentCreate,
    PaymentRead,
    PaymentStatus,
    PendingRetry,
    WriteOffCreate,
)
from shared.contract_shape import answer_headers
from shared.errors import (
    BadRequest,
    PayloadTooLarge,
    Unauthorized,
    UnprocessableContent,
    problem_responses,
)
from shared.idempotency import IDEMPOTENCY_ERRORS
from shared.pagination import (
    Cursor,
    IdPath,
    IdsFilter,
    Page,
    PageSize,
    RecordId,
    WithTotal,
    keyset_page,
)
from shared.periods import IsoDay
from shared.webhooks import verify_webhook

router = APIRouter(prefix="/v1/clients", tags=["receivables"])

MAX_WEBHOOK_BYTES = 1_048_576
# Standard Webhooks' headers, read by shared.webhooks from the raw request.
WEBHOOK_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True,
     "schema": {"type": "string", "maxLength": 255},
     "description": "The event's id (the same on every retry of it)."},
    {"name": "webhook-timestamp", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
     "description": "Unix seconds of this attempt (±5 minutes by default)."},
    {"name": "webhook-signature", "in": "header", "required": True,
     "schema": {"type": "string", "maxLength": 2000},
     "description": "`v1,<base64 HMAC-SHA256>` per secret, space-separated."},
]  # fmt: skip
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
OwnerIds = Annotated[
    list[RecordId] | None,
    Query(description="Credited owners (repeat for several).", max_length=100),
]


def invoice_query(
    service: ReceivablesServiceDep,
    account_id: IdQuery = None,
    owner_id: OwnerIds = None,
    status: Annotated[list[InvoiceStatus] | None, Query(max_length=3)] = None,
    due_from: Annotated[IsoDay | None, Query(description="A line due on or after.")] = None,
    due_to: Annotated[IsoDay | None, Query(description="A line due on or before.")] = None,
    overdue: Annotated[bool, Query(description="Only with a line open past its due date.")] = False,
    ids: IdsFilter = None,
) -> InvoiceQuery:
    return InvoiceQuery(
        account_id=account_id,
        owner_ids=owner_id,
        statuses=[s.value for s in status] if status else None,
        due_from=due_from,
        due_to=due_to,
        overdue_on=service.today() if overdue else None,
        ids=ids,
    )


def payment_query(
    account_id: IdQuery = None,
    owner_id: OwnerIds = None,
    status: Annotated[PaymentStatus | None, Query()] = None,
    received_from: Annotated[IsoDay | None, Query()] = None,
    received_to: Annotated[IsoDay | None, Query()] = None,
    unallocated: Annotated[bool, Query(description="Only with unallocated credit.")] = False,
) -> PaymentQuery:
    return PaymentQuery(
        account_id=account_id,
        owner_ids=owner_id,
        status=status.value if status else None,
        received_from=received_from,
        received_to=received_to,
        unallocated_only=unallocated,
    )


@router.post(
    "/erp/webhooks",
    dependencies=[Depends(ERP_WEBHOOK)],
    response_model=DeliveryReceipt,
    status_code=status.HTTP_200_OK,
    summary="Receive an ERP event (Standard Webhooks signature, API key scope erp:write)",
    description='The event JSON of docs/contracts.md, "ERP → clients". The signature is '
    "checked on the raw body before it is parsed; a repeated delivery answers 200 with "
    "outcome `duplicate`; an event that must wait for its invoice, account or payment is "
    "kept (outcome `pending`) and applied when that arrives. A `webhook-id` header that "
    "differs from the event's `id` is refused (400).",
    responses=problem_responses(400, 401, 403, 413, 422),
    openapi_extra={
        "parameters": WEBHOOK_HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ErpEvent"},
                    "example": {
                        "id": "evt_00000042",
                        "type": "payment.received",
                        "occurred_at": "2026-11-20T02:15:00+00:00",
                        "data": {
                            "erp_ref": "PAY-2026-0007",
                            "account_ref": "91310000MA1FL8XQ3B",
                            "amount": {"amount": "1500.00", "currency": "CNY"},
                            "received_on": "2026-11-20",
                            "allocations": [],
                        },
                    },
                }
            },
        },
    },
)
async def receive_erp_webhook(
    request: Request, batcher: ErpBatcherDep, settings: SettingsDep, secrets: ErpWebhookSecretsDep
) -> DeliveryReceipt:
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge(f"an ERP event may hold at most {MAX_WEBHOOK_BYTES} bytes")
    if not secrets:
        raise Unauthorized("no ERP webhook secret is configured, so no delivery can be verified")
    verified = verify_webhook(
        secrets,
        request.headers,
        body,
        tolerance_seconds=settings.erp_webhook_tolerance_seconds,
    )
    try:
        payload = json.loads(body)
        event = batcher.parse(payload)
    except ValueError as exc:  # json.JSONDecodeError and pydantic's ValidationError
        errors = (
            [
                {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            if isinstance(exc, ValidationError)
            else [{"loc": ["body"], "msg": "the body is not JSON", "type": "json_invalid"}]
        )
        raise UnprocessableContent(
            "the event does not validate: " + "; ".join(str(e["msg"]) for e in errors[:3]),
            extra={"errors": errors},
        ) from None
    if event.id != verified.webhook_id:
        # The inbox dedupes on the webhook id: applying a body under another id would let
        # one signed event be stored (and applied) as if it were a different one.
        raise BadRequest(
            f"the webhook-id header ({verified.webhook_id!r}) differs from the event's id "
            f"({event.id!r}); both must name the same event"
        )
    return await batcher.receive(verified.webhook_id, event, payload)


@router.post(
    "/erp/inbox/retry",
    dependencies=[Depends(WRITE_RECEIVABLES)],
    response_model=PendingRetry,
    summary="Apply ERP events that are still waiting (e.g. for an account's credit code)",
    responses=problem_responses(401, 403),
)
async def retry_pending_erp_events(ingest: ErpIngestDep) -> PendingRetry:
    applied = await ingest.retry_pending()
    return PendingRetry(applied=applied, still_pending=await ingest.repository.count_pending())


@router.get(
    "/invoices",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[InvoiceRead],
    summary="List invoices (filters, sorting by due date or days overdue, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_invoices(
    service: ReceivablesServiceDep,
    scope: AccountScope,
    filters: Annotated[InvoiceQuery, Depends(invoice_query)],
    sort: Annotated[
        InvoiceSort,
        Query(
            description="`next_due_date`: the earliest open due date first (settled last); "
            "`-days_overdue`: the oldest overdue first. Ties break on the id."
        ),
    ] = InvoiceSort.ID,
    with_total: WithTotal = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[InvoiceRead]:
    return await service.list_invoices(
        filters, scope, sort=sort, cursor=cursor, limit=limit, with_total=with_total
    )


@router.get(
    "/invoices/{invoice_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=InvoiceDetail,
    summary="One invoice with its due lines and allocations",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_invoice(
    invoice_id: IdPath, service: ReceivablesServiceDep, scope: AccountScope
) -> InvoiceDetail:
    return await service.invoice_detail(invoice_id, scope)


@router.get(
    "/payments",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[PaymentRead],
    summary="List payments (filters, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_payments(
    service: ReceivablesServiceDep,
    scope: AccountScope,
    filters: Annotated[PaymentQuery, Depends(payment_query)],
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[PaymentRead]:
    items = await service.list_payments(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)


@router.post(
    "/payments",
    dependencies=[Depends(WRITE_RECEIVABLES)],
    response_model=PaymentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a payment by hand (finance; needs an Idempotency-Key)",
    responses=problem_responses(401, 403, 404, *IDEMPOTENCY_ERRORS),
    openapi_extra=answer_headers(201, location=True),
)
async def register_payment(
    data: PaymentCreate,
    service: ReceivablesServiceDep,
    scope: AccountScope,
    actor: ActorId,
    idempotency: PaymentIdempotency,
) -> Response:
    if idempotency.replay is not None:
        return idempotency.replay
    payment = await service.register_payment(data, scope, actor)
    return await idempotency.respond(
        payment,
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"{router.prefix}/payments/{payment.id}"},
    )


@router.get(
    "/payments/{payment_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=PaymentRead,
    summary="One payment",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_payment(
    payment_id: IdPath, service: ReceivablesServiceDep, scope: AccountScope
) -> PaymentRead:
    return await service.payment_detail(payment_id, scope)


@router.post(
    "/invoices/{invoice_id}/lines/{line_no}/write-off",
    dependencies=[Depends(WRITE_RECEIVABLES)],
    response_model=PaymentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write off (核销) what is left of an invoice line (finance; needs an Idempotency-Key)",
    description=(
        "Booked as a payment with `source` `write_off` allocated to the line: the line is "
        "settled for ageing, dunning and credit exposure from `written_off_on`, but the "
        "collection figures count only real payments. The reason is kept in the audit log."
    ),
    responses=problem_responses(401, 403, 404, *IDEMPOTENCY_ERRORS),
    openapi_extra=answer_headers(201, location=True),
)
async def write_off_line(
    invoice_id: IdPath,
    line_no: Annotated[int, Path(ge=1, le=999, description="The line's number.")],
    data: WriteOffCreate,
    service: WriteOffServiceDep,
    scope: AccountScope,
    actor: ActorId,
    idempotency: PaymentIdempotency,
) -> Response:
    if idempotency.replay is not None:
        return idempotency.replay
    payment = await service.write_off(invoice_id, line_no, data, scope, actor)
    return await idempotency.respond(
        payment,
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"{router.prefix}/payments/{payment.id}"},
    )


@router.get(
    "/accounts/{account_id}/receivables",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=AccountReceivables,
    summary="An account's open receivables today, with totals and unallocated credit",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_account_receivables(
    account_id: IdPath, service: ReceivablesServiceDep, scope: AccountScope
) -> AccountReceivables:
    return await service.account_receivables(account_id, scope)


@router.get(
    "/receivables/ageing",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=AgeingReport,
    summary="Ageing (账龄) of open receivables as of a date, per bucket and group",
    responses=problem_responses(401, 403, 422),
)
async def get_ageing(
    service: ReceivablesServiceDep,
    scope: AccountScope,
    settings: SettingsDep,
    as_of: Annotated[IsoDay | None, Query(description="Default: today (company calendar).")] = None,
    by: Annotated[AgeingGroup, Query()] = AgeingGroup.ACCOUNT,
) -> AgeingReport:
    day = as_of or service.today()
    return await service.ageing(day, by, ageing_buckets(settings.ageing_buckets), scope)

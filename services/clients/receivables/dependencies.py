"""Dependency aliases of receivables."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.grading.dependencies import SettingsDep
from services.clients.rates.dependencies import build_rates
from services.clients.receivables.ingest import ErpIngest
from services.clients.receivables.models import ClientsIdempotencyKey
from services.clients.receivables.repository import ReceivablesRepository
from services.clients.receivables.service import ReceivablesService
from services.clients.receivables.write_offs import WriteOffService
from shared.db import SessionDep
from shared.idempotency import Idempotency, IdempotentRequest


def receivables_service(session: SessionDep, settings: SettingsDep) -> ReceivablesService:
    return ReceivablesService(
        AccountRepository(session),
        ReceivablesRepository(session),
        build_rates(session, settings),
        AuditTrail(AuditRepository(session)),
        base=settings.base_currency,
        today=company_today(settings.timezone),
    )


def write_off_service(session: SessionDep, settings: SettingsDep) -> WriteOffService:
    return WriteOffService(
        AccountRepository(session),
        ReceivablesRepository(session),
        AuditTrail(AuditRepository(session)),
        base=settings.base_currency,
        today=company_today(settings.timezone),
        read=receivables_service(session, settings).payment_read,
    )


def erp_ingest(session: SessionDep, settings: SettingsDep) -> ErpIngest:
    return ErpIngest(
        ReceivablesRepository(session),
        build_rates(session, settings),
        AuditTrail(AuditRepository(session)),
        base=settings.base_currency,
    )


ReceivablesServiceDep = Annotated[ReceivablesService, Depends(receivables_service)]
ErpIngestDep = Annotated[ErpIngest, Depends(erp_ingest)]
WriteOffServiceDep = Annotated[WriteOffService, Depends(write_off_service)]
PaymentIdempotency = Annotated[IdempotentRequest, Depends(Idempotency(ClientsIdempotencyKey))]

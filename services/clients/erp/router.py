"""HTTP endpoints of the ERP pull sync and of the reconciliation report."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.clients.dependencies import ActorId, SettingsDep
from services.clients.erp.client import ErpClient, ErpFailure
from services.clients.erp.reconciliation import Reconciliation
from services.clients.erp.repository import ErpSyncRepository
from services.clients.erp.schemas import (
    BreakerState,
    ErpSyncRunRead,
    ErpSyncStateRead,
    ReconciliationReport,
    SyncOutcome,
    SyncTrigger,
)
from services.clients.erp.sync import (
    ErpSync,
    SyncBusy,
    breaker_state,
    describe_state,
)
from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.db import SessionDep
from shared.errors import (
    BadGateway,
    InProgress,
    ServiceUnavailable,
    UnmetPrerequisite,
    problem_responses,
)

router = APIRouter(prefix="/v1/clients/erp", tags=["receivables"])

# Finance and administrators watch and trigger the sync (our services may trigger it too);
# the reconciliation report shows every account's money, so finance and admins only.
ERP_SYNC = Policy(Role.ADMIN, Role.FINANCE, services=True)
RECONCILE = Policy(Role.ADMIN, Role.FINANCE)


def erp_client(request: Request) -> ErpClient:
    """The ERP client the lifespan holds (``erp.sync.erp_sync_lifespan``); without
    ``CLIENTS_ERP_BASE_URL`` there is none and the ERP link is off."""
    client: ErpClient | None = getattr(request.app.state, "erp_client", None)
    if client is None:
        raise UnmetPrerequisite("the ERP link is off: CLIENTS_ERP_BASE_URL is not set")
    return client


ErpClientDep = Annotated[ErpClient, Depends(erp_client)]


def _breaker_open(detail: str, open_until: datetime | None, last_error: str | None) -> Exception:
    now = datetime.now(UTC)
    wait = max(1, math.ceil((open_until - now).total_seconds())) if open_until else 60
    return ServiceUnavailable(
        detail,
        extra={
            "breaker": BreakerState.OPEN.value,
            "breaker_open_until": open_until.isoformat() if open_until else None,
            "last_error": last_error,
            "headers": {"Retry-After": str(wait)},
        },
    )


@router.get(
    "/sync",
    dependencies=[Depends(ERP_SYNC)],
    response_model=ErpSyncStateRead,
    summary="Where the ERP pull sync stands: cursor, errors, circuit breaker, latest rounds",
    responses=problem_responses(401, 403),
)
async def get_erp_sync(session: SessionDep, settings: SettingsDep) -> ErpSyncStateRead:
    return await describe_state(session, settings, datetime.now(UTC))


@router.post(
    "/sync",
    dependencies=[Depends(ERP_SYNC)],
    response_model=ErpSyncRunRead,
    status_code=status.HTTP_200_OK,
    summary="Run one round of the ERP pull sync now",
    description="Fetches the ERP's changes since the stored cursor and applies them like "
    "webhook deliveries (each event counts once). A round that fails (ERP down, garbage, "
    "too big, redirect, timeout) answers 200 with outcome `failed` and the reason; while "
    "the circuit breaker is open the ERP is not called and the answer is 503 with "
    "`Retry-After`. 409 when another round is running or the ERP link is off.",
    responses=problem_responses(401, 403, 409, 503),
)
async def run_erp_sync(
    request: Request, client: ErpClientDep, settings: SettingsDep, actor: ActorId
) -> ErpSyncRunRead:
    sync = ErpSync(request.app.state.session_factory, client, settings)
    try:
        run = await sync.run_once(SyncTrigger.MANUAL, requested_by=actor)
    except SyncBusy as exc:
        raise InProgress(f"the ERP sync is busy: {exc}") from None
    assert run is not None  # only scheduled rounds are skipped silently
    if run.outcome is SyncOutcome.BREAKER_OPEN:
        async with request.app.state.session_factory() as session:
            state = await ErpSyncRepository(session).state()
        raise _breaker_open(
            "the ERP's circuit breaker is open after repeated failures; it is not called "
            "until the cool-down ends",
            state.breaker_open_until,
            state.last_error,
        )
    return run


@router.get(
    "/reconciliation",
    dependencies=[Depends(RECONCILE)],
    response_model=ReconciliationReport,
    summary="Reconcile with the ERP: documents missing on either side and amounts that differ",
    description="Reads the ERP's invoice and payment lists and compares them with ours, "
    "with totals per currency. 502 when the ERP gives no usable answer; 503 while the "
    "sync's circuit breaker is open.",
    responses=problem_responses(401, 403, 409, 502, 503),
)
async def get_reconciliation(
    session: SessionDep, client: ErpClientDep, settings: SettingsDep
) -> ReconciliationReport:
    repository = ErpSyncRepository(session)
    state = await repository.state()
    breaker = breaker_state(
        state.consecutive_failures,
        state.breaker_open_until,
        datetime.now(UTC),
        settings.erp_breaker_failures,
    )
    if breaker is BreakerState.OPEN:
        raise _breaker_open(
            "the ERP's circuit breaker is open; reconcile after the cool-down",
            state.breaker_open_until,
            state.last_error,
        )
    try:
        return await Reconciliation(repository, client).report()
    except ErpFailure as exc:
        raise BadGateway(f"the ERP's lists could not be read: {exc.reason}") from None

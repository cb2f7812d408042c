"""The fake ERP's HTTP API: the changes feed (``/api``) and the test controls (``/control``)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from deploy.fake_erp.delivery import WebhookFaults, WebhookSender, WebhookTarget
from deploy.fake_erp.ledger import (
    InvoiceIn,
    Ledger,
    LedgerError,
    PaymentIn,
    ReversalIn,
    decode_cursor,
    encode_cursor,
)
from deploy.fake_erp.settings import FakeErpSettings

HUGE_CHUNK = 64 * 1024


class FeedMode(StrEnum):
    """How ``GET /api/changes`` answers."""

    NORMAL = "normal"
    ERROR = "error"  # 500
    GARBAGE = "garbage"  # 200, JSON content type, not JSON
    HUGE = "huge"  # 200, a body of huge_bytes, streamed without a length
    REDIRECT = "redirect"  # 302 to redirect_to (default: itself, a loop)
    HANG = "hang"  # no answer for hang_seconds (or until the client gives up)


class FeedFaults(BaseModel):
    """How the changes feed misbehaves."""

    model_config = ConfigDict(extra="forbid")

    mode: FeedMode = FeedMode.NORMAL
    times: int | None = Field(default=None, ge=1)
    """Misbehave for this many requests, then answer normally (null = until cleared)."""
    delay_seconds: float = Field(default=0.0, ge=0, le=600)
    """Wait this long before every answer (slow, not hung)."""
    huge_bytes: int = Field(default=16 * 1024 * 1024, ge=1, le=1024**3)
    hang_seconds: float = Field(default=3600.0, ge=0)
    redirect_to: str | None = None


class Faults(BaseModel):
    """Every fault, replaced as a whole by ``PUT /control/faults``."""

    model_config = ConfigDict(extra="forbid")

    webhook: WebhookFaults = Field(default_factory=WebhookFaults)
    feed: FeedFaults = Field(default_factory=FeedFaults)


class ChangesPage(BaseModel):
    """A page of the changes feed; continue from ``next_cursor`` (always set)."""

    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


class DocumentsPage(BaseModel):
    """A page of ``GET /api/invoices`` or ``/api/payments``; null ``next_cursor`` = the end."""

    items: list[dict[str, Any]]
    next_cursor: str | None


class TargetRead(BaseModel):
    """The webhook target, without its secrets."""

    url: str | None
    secrets: int
    api_key_set: bool


@dataclasses.dataclass
class FakeErp:
    """Everything the app holds."""

    settings: FakeErpSettings
    ledger: Ledger
    sender: WebhookSender
    feed_faults: FeedFaults = dataclasses.field(default_factory=FeedFaults)
    feed_requests: int = 0


def erp(request: Request) -> FakeErp:
    state: FakeErp = request.app.state.erp
    return state


ErpDep = Annotated[FakeErp, Depends(erp)]


def require_feed_key(
    state: ErpDep, x_api_key: Annotated[str | None, Header(max_length=200)] = None
) -> None:
    expected = state.settings.feed_api_key
    if expected and x_api_key != expected:
        raise HTTPException(401, "a valid X-API-Key is required")


def _ledger_error(exc: LedgerError) -> HTTPException:
    return HTTPException(exc.status, exc.detail)


async def _hang(request: Request, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    # Starlette offers no disconnection event to wait on; poll it.
    while time.monotonic() < deadline and not await request.is_disconnected():  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def _huge_body(size: int) -> AsyncIterator[bytes]:
    yield b'{"items": ['
    sent = 11
    chunk = b" " * HUGE_CHUNK
    while sent < size:
        part = chunk[: size - sent]
        sent += len(part)
        yield part


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api", dependencies=[Depends(require_feed_key)], tags=["erp"])

    @router.get("/changes", response_model=ChangesPage)
    async def changes(
        request: Request,
        state: ErpDep,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> Response:
        state.feed_requests += 1
        faults = state.feed_faults
        if faults.delay_seconds:
            await asyncio.sleep(faults.delay_seconds)
        mode = faults.mode
        if mode is not FeedMode.NORMAL and faults.times is not None:
            faults.times -= 1
            if faults.times <= 0:
                state.feed_faults = FeedFaults()
        if mode is FeedMode.ERROR:
            return JSONResponse({"error": "internal server error"}, status_code=500)
        if mode is FeedMode.GARBAGE:
            return Response(b"<html>\x00\xff{not json", media_type="application/json")
        if mode is FeedMode.HUGE:
            return StreamingResponse(_huge_body(faults.huge_bytes), media_type="application/json")
        if mode is FeedMode.REDIRECT:
            return RedirectResponse(faults.redirect_to or str(request.url), status_code=302)
        if mode is FeedMode.HANG:
            await _hang(request, faults.hang_seconds)
        try:
            after = decode_cursor(cursor) if cursor else 0
        except LedgerError as exc:
            raise _ledger_error(exc) from None
        page, position, more = state.ledger.changes(after, min(limit, state.settings.max_page_size))
        body = ChangesPage(items=page, next_cursor=encode_cursor(position), has_more=more)
        return JSONResponse(body.model_dump(mode="json"))

    def listing(
        documents: dict[str, Any], cursor: str | None, limit: int, state: FakeErp
    ) -> DocumentsPage:
        try:
            after = decode_cursor(cursor) if cursor else 0
        except LedgerError as exc:
            raise _ledger_error(exc) from None
        keys = sorted(documents)[after : after + min(limit, state.settings.max_page_size)]
        position = after + len(keys)
        return DocumentsPage(
            items=[documents[key].model_dump(mode="json") for key in keys],
            next_cursor=encode_cursor(position) if position < len(documents) else None,
        )

    @router.get("/invoices", response_model=DocumentsPage)
    async def invoices(
        state: ErpDep,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> DocumentsPage:
        """Every invoice as it now is, by document number (for reconciliation)."""
        return listing(state.ledger.invoices, cursor, limit, state)

    @router.get("/payments", response_model=DocumentsPage)
    async def payments(
        state: ErpDep,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1)] = 100,
    ) -> DocumentsPage:
        """Every payment as it now is (reversed ones with ``reversed_on``), by reference."""
        return listing(state.ledger.payments, cursor, limit, state)

    @router.get("/invoices/{document_no}")
    async def invoice(document_no: str, state: ErpDep) -> dict[str, Any]:
        found = state.ledger.invoices.get(document_no)
        if found is None:
            raise HTTPException(404, f"invoice {document_no} does not exist")
        return found.model_dump(mode="json")

    @router.get("/payments/{erp_ref}")
    async def payment(erp_ref: str, state: ErpDep) -> dict[str, Any]:
        found = state.ledger.payments.get(erp_ref)
        if found is None:
            raise HTTPException(404, f"payment {erp_ref} does not exist")
        return found.model_dump(mode="json")

    return router


def control_router() -> APIRouter:
    router = APIRouter(prefix="/control", tags=["control"])

    @router.post("/invoices", status_code=201)
    async def upsert_invoice(body: InvoiceIn, state: ErpDep) -> dict[str, Any]:
        invoice, event = state.ledger.upsert_invoice(body)
        return {"invoice": invoice.model_dump(mode="json"), "event_id": event["id"]}

    @router.post("/payments", status_code=201)
    async def receive_payment(body: PaymentIn, state: ErpDep) -> dict[str, Any]:
        try:
            payment, event = state.ledger.receive_payment(body)
        except LedgerError as exc:
            raise _ledger_error(exc) from None
        return {"payment": payment.model_dump(mode="json"), "event_id": event["id"]}

    @router.post("/payments/{erp_ref}/reversal", status_code=201)
    async def reverse_payment(erp_ref: str, body: ReversalIn, state: ErpDep) -> dict[str, Any]:
        try:
            event = state.ledger.reverse_payment(erp_ref, body)
        except LedgerError as exc:
            raise _ledger_error(exc) from None
        return {"event_id": event["id"]}

    @router.get("/faults", response_model=Faults)
    async def read_faults(state: ErpDep) -> Faults:
        return Faults(webhook=state.sender.faults, feed=state.feed_faults)

    @router.put("/faults", response_model=Faults)
    async def set_faults(body: Faults, state: ErpDep) -> Faults:
        state.sender.faults = body.webhook
        state.feed_faults = body.feed
        return body

    @router.delete("/faults", status_code=204)
    async def clear_faults(state: ErpDep) -> None:
        state.sender.faults = WebhookFaults()
        state.feed_faults = FeedFaults()
        state.sender.flush()

    @router.get("/webhook", response_model=TargetRead)
    async def read_target(state: ErpDep) -> TargetRead:
        target = state.sender.target
        return TargetRead(
            url=target.url, secrets=len(target.secrets), api_key_set=bool(target.api_key)
        )

    @router.put("/webhook", response_model=TargetRead)
    async def set_target(body: WebhookTarget, state: ErpDep) -> TargetRead:
        state.sender.target = body
        return await read_target(state)

    @router.post("/webhooks/flush")
    async def flush(state: ErpDep) -> dict[str, int]:
        """Send events held by a reorder window now, in order."""
        return {"released": state.sender.flush()}

    @router.get("/deliveries")
    async def deliveries(state: ErpDep) -> dict[str, Any]:
        sender = state.sender
        return {
            "pending": sender.pending,
            "gave_up": sender.gave_up,
            "attempts": [dataclasses.asdict(attempt) for attempt in sender.attempts],
        }

    @router.get("/stats")
    async def stats(state: ErpDep) -> dict[str, int]:
        """How many requests the changes feed has had (since the start or a reset)."""
        return {"feed_requests": state.feed_requests}

    @router.post("/reset", status_code=204)
    async def reset(state: ErpDep) -> None:
        """Forget documents, events, deliveries and faults (the webhook target stays)."""
        state.ledger.reset()
        state.sender.reset()
        state.feed_faults = FeedFaults()
        state.feed_requests = 0

    return router


def create_app(settings: FakeErpSettings | None = None) -> FastAPI:
    """The fake ERP; deliveries run while the lifespan runs (a real server or a test)."""
    settings = settings or FakeErpSettings()
    sender = WebhookSender(
        WebhookTarget(
            url=settings.webhook_url,
            secrets=settings.webhook_secrets,
            api_key=settings.webhook_api_key,
        ),
        timeout_seconds=settings.timeout_seconds,
        max_attempts=settings.max_attempts,
        backoff_seconds=settings.backoff_seconds,
        max_backoff_seconds=settings.max_backoff_seconds,
    )
    state = FakeErp(settings=settings, ledger=Ledger(on_event=sender.submit), sender=sender)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sender.start()
        try:
            yield
        finally:
            await sender.stop()

    app = FastAPI(title="Fake ERP (test double)", version="1.0.0", lifespan=lifespan)
    app.state.erp = state

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api_router())
    app.include_router(control_router())
    return app

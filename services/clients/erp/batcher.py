"""Micro-batching the ERP's webhook deliveries (issue 26).

Each request verifies and parses its delivery, hands it here and awaits its own receipt.
A worker takes whatever queued while the previous batch ran (up to :data:`MAX_BATCH`)
and applies it in one transaction (services.clients.erp.bulk_apply), then the rest of it
one at a time; the receipts are answered only after their transaction committed. Nothing
waits on a timer: an idle service applies a lone delivery at once. A few workers run side
by side, so a batch held up by one account's lock does not hold up every other account.

If a batch's transaction fails, each of its deliveries is applied again alone, so one bad
event never fails the others; what fails alone fails its own request.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from services.clients.erp.bulk_apply import BatchOutcome, Delivery
from services.clients.erp.events import AnyErpEvent
from services.clients.erp.ingest import ErpIngest
from services.clients.receivables.schemas import DeliveryReceipt

log = structlog.get_logger(__name__)

MAX_BATCH = 200
"""Deliveries applied in one transaction at most."""
WORKERS = 2
"""Batches applied side by side at most."""

ApplyTogether = Callable[[Sequence[Delivery]], Awaitable[BatchOutcome]]
"""Apply a batch in one transaction (committed when it returns)."""
ApplyAlone = Callable[[Delivery], Coroutine[Any, Any, DeliveryReceipt]]
"""Apply one delivery in a transaction of its own (committed when it returns)."""


@dataclass(frozen=True)
class _Queued:
    delivery: Delivery
    answer: asyncio.Future[DeliveryReceipt]
    context: contextvars.Context  # its request's (request id, audit scope, log fields)


class ErpBatcher:
    """One per app: the queue of deliveries waiting to be applied and its workers."""

    def __init__(
        self,
        apply_together: ApplyTogether,
        apply_alone: ApplyAlone,
        *,
        max_batch: int = MAX_BATCH,
        workers: int = WORKERS,
    ) -> None:
        self.apply_together = apply_together
        self.apply_alone = apply_alone
        self.max_batch = max_batch
        self.workers = workers
        self._queue: list[_Queued] = []
        self._busy = 0  # workers started and not finished
        self._tasks: set[asyncio.Task[None]] = set()

    @staticmethod
    def parse(payload: Any) -> AnyErpEvent:
        """The event ``payload`` carries (raises pydantic's ValidationError)."""
        return ErpIngest.parse(payload)

    async def receive(
        self, webhook_id: str, event: AnyErpEvent, payload: dict[str, Any]
    ) -> DeliveryReceipt:
        """Queue the delivery and wait until it is applied (or found a duplicate)."""
        answer: asyncio.Future[DeliveryReceipt] = asyncio.get_running_loop().create_future()
        queued = _Queued(Delivery(webhook_id, event, payload), answer, contextvars.copy_context())
        self._queue.append(queued)
        if self._busy < self.workers:
            self._busy += 1
            # A batch serves many requests: it runs in none of theirs (its audit entries
            # carry no request id rather than another request's).
            task = asyncio.create_task(self._work(), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # The batch goes on if this request is cancelled: its receipt is then not needed.
        return await asyncio.shield(answer)

    async def _work(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                await self._apply(batch)
        finally:
            # No await between the empty queue seen and this: a delivery queued after it
            # finds the worker gone and starts another.
            self._busy -= 1

    async def _apply(self, batch: list[_Queued]) -> None:
        try:
            outcome = await self.apply_together([queued.delivery for queued in batch])
        except Exception:
            log.exception("erp_batch_failed", deliveries=len(batch))
            outcome = BatchOutcome({}, list(range(len(batch))))
        for index, receipt in outcome.receipts.items():
            _answer(batch[index].answer, receipt)
        for index in outcome.one_at_a_time:
            queued = batch[index]
            try:
                alone = self.apply_alone(queued.delivery)
                # Applied alone, as before batching: in its own request's context.
                receipt = await asyncio.create_task(alone, context=queued.context)
                _answer(queued.answer, receipt)
            except Exception as exc:  # answered to its own request (a 500 there)
                if not queued.answer.done():
                    queued.answer.set_exception(exc)


def _answer(answer: asyncio.Future[DeliveryReceipt], receipt: DeliveryReceipt) -> None:
    if not answer.done():
        answer.set_result(receipt)

"""Work items into kpi's outbox: posts and closes for staff's inbox, in the caller's
transaction (one INSERT for a whole cycle's population)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.inbox.rules import WorkItemNote
from services.kpi.outbox import CLOSE_WORK_ITEM_PATH, KPI_OUTBOX, STAFF, WORK_ITEMS_PATH


class WorkItemOutbox:
    """Posting and closing work items: rows of ``kpi.outbox`` for staff."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _enqueue(self, rows: list[dict[str, object]]) -> None:
        if not rows:
            return
        statement = (
            pg_insert(KPI_OUTBOX)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["destination", "key"])
        )
        await (await self.session.connection()).execute(statement)

    async def post(self, notes: Sequence[WorkItemNote]) -> None:
        """Post each item once (a second post of the same key is ignored here and in staff)."""
        await self._enqueue(
            [
                {
                    "destination": STAFF,
                    "path": WORK_ITEMS_PATH,
                    "kind": "work_item",
                    "key": f"post:{note.source_key}",
                    "payload": note.payload(),
                }
                for note in notes
            ]
        )

    async def close(self, source_keys: Sequence[str]) -> None:
        """Close the items of these keys (sent after their posts; staff answers 425 to a
        close that overtakes its post, and the dispatcher sends it again)."""
        await self._enqueue(
            [
                {
                    "destination": STAFF,
                    "path": CLOSE_WORK_ITEM_PATH,
                    "kind": "work_item_close",
                    "key": f"close:{key}",
                    "payload": {"source_key": key},
                }
                for key in source_keys
            ]
        )

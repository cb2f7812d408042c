"""The kpi service's outbox table: work items for people's inboxes (staff)."""

from __future__ import annotations

from services.kpi.db import KpiTable
from shared.outbox import outbox_table

KPI_OUTBOX = outbox_table(KpiTable.metadata)
"""``kpi.outbox``: written in the transaction of the change, delivered by the dispatcher."""

STAFF = "staff"
WORK_ITEMS_PATH = "/v1/staff/internal/work-items"
CLOSE_WORK_ITEM_PATH = "/v1/staff/internal/work-items/close"

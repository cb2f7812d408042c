"""The staff service's outbox table: org events and account handovers for other services."""

from __future__ import annotations

from services.staff.db import StaffTable
from shared.outbox import outbox_table

STAFF_OUTBOX = outbox_table(StaffTable.metadata)
"""``staff.outbox``: written in the transaction of the change, delivered by the dispatcher."""

CLIENTS = "clients"
KPI = "kpi"
ORG_EVENT_PATHS = {
    CLIENTS: "/v1/clients/internal/org/employees",
    KPI: "/v1/kpi/internal/org/employees",
}
HANDOVER_PATH = "/v1/clients/handovers"

"""The clients service's outbox table: work items for staff's inbox, posted and closed."""

from __future__ import annotations

from sqlalchemy import Index, text

from services.clients.db import ClientsTable
from shared.outbox import outbox_table

CLIENTS_OUTBOX = outbox_table(ClientsTable.metadata)
"""``clients.outbox``: written in the transaction of the change, delivered by the dispatcher."""

STAFF = "staff"
POST_PATH = "/v1/staff/internal/work-items"
CLOSE_PATH = "/v1/staff/internal/work-items/close"
POST_KIND = "work_item"
CLOSE_KIND = "work_item_close"
CLOSE_PREFIX = "close/"
"""A close's outbox key is this plus the item's source key: one post and one close per item."""

Index(
    "ix_outbox_work_item_keys",
    CLIENTS_OUTBOX.c.key,
    postgresql_ops={"key": "varchar_pattern_ops"},
    postgresql_where=text("kind = 'work_item'"),
)
# The closes of a record's items find its posts by key prefix ("ticket:812:"): a pattern
# index makes that prefix search an index range, however long the outbox grows.

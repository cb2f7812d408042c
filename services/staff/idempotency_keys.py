"""The staff service's idempotency keys (shared/idempotent_creations.py: every creating POST)."""

from services.staff.db import StaffTable
from shared.idempotency import IdempotencyKeyBase


class StaffIdempotencyKey(IdempotencyKeyBase, StaffTable, table=True):
    """A caller's Idempotency-Key and the answer it got."""

    __tablename__ = "idempotency_keys"

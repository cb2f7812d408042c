"""The kpi service's idempotency keys (shared/idempotent_creations.py: every creating POST)."""

from services.kpi.db import KpiTable
from shared.idempotency import IdempotencyKeyBase


class KpiIdempotencyKey(IdempotencyKeyBase, KpiTable, table=True):
    """A caller's Idempotency-Key and the answer it got."""

    __tablename__ = "idempotency_keys"

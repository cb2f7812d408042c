"""Which advisory locks applying ERP money facts takes (issue 26).

Applying an event used to take one lock for everything, so deliveries applied one at a
time. Now each takes the locks of the records it reads and writes, and independent events
apply side by side:

- ``("invoice", document_no)``: an invoice upsert, and every payment allocating to it. A
  payment that finds the invoice missing decides to wait while holding it; the invoice's
  upsert looks for the payments waiting for it while holding it: the two never pass each
  other unseen.
- ``("payment", erp_ref)``: a payment received (stored once per reference) and its
  reversal (which waits for it the same way).
- ``("account", account_id)``: everything that changes the ledger of an account's invoice
  lines (allocating, releasing, reversing, writing off, a manual payment), so their
  read-modify-write of a line's paid amount is never interleaved.

An applier takes all the locks it knows it needs in one statement, in ascending key order,
so two appliers never wait for each other in a circle over those; one that learns of a
record only on the way (a follow-up, an account created meanwhile) takes its lock then.
The keys live in their own space (the two-int form of ``pg_advisory_xact_lock``), apart
from the service's single-key locks; a hash collision only makes two records wait for each
other. :data:`GATE` is taken shared by every applier and exclusively by a retry of
everything pending and by the ERP sync's pages, which apply many unrelated events at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

LockKind = Literal["invoice", "payment", "account"]
LockedRecord = tuple[LockKind, str | int]

SPACE = 0x65727031
"""The first key of every record lock ("erp1")."""
GATE = 0x6572705F6170706C
"""The single key every applier holds shared, and one applying everything holds alone."""


def record_key(kind: LockKind, name: str | int) -> int:
    """The second key of ``kind`` ``name``'s lock: 32 bits of a hash, signed (int4)."""
    digest = hashlib.blake2b(f"{kind}:{name}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_order(records: Iterable[LockedRecord], held: Iterable[int] = ()) -> list[int]:
    """The keys still to take for ``records``, in the order to take them (ascending),
    without those ``held`` already."""
    return sorted({record_key(kind, name) for kind, name in records} - set(held))

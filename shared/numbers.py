"""Integers a request carries, read as the contract says: never from a JSON boolean.

Pydantic in lax mode reads ``true`` as 1 and ``false`` as 0, so ``{"min_years_experience":
false}`` would be 0 years although the contract says ``integer``. :data:`NotABoolean`
refuses booleans and nothing else: digits as text (``"12"``, as a CSV import row sends
them) are still read, and bounds apply as before. Two ways to write it::

    headcount_quota: JsonInt = Field(default=1, ge=0, le=10_000)
    EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
    parent_id: Annotated[int, Field(ge=1), NotABoolean] | None = None

The bounds must reach the integer before the check wraps it. A field's own ``Field()`` does
(pydantic applies it first), but not one written after the check, in an alias
(``Annotated[JsonInt, Field(ge=1)]``) or around an optional (``JsonInt | None =
Field(ge=1)``): pydantic still enforces it, but the contract then shows ``"ge": 1`` instead
of ``"minimum": 1``. So bounded aliases and optionals name their bounds before the check.

Decimals need nothing of the kind (pydantic refuses a boolean for a ``Decimal``), nor do
query and path parameters (they are text, and ``"true"`` is no integer).
"""

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["JsonInt", "NotABoolean"]


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer, not a boolean")
    return value


NotABoolean = BeforeValidator(_not_a_boolean)
"""Refuses ``true`` and ``false`` where an integer is read; write it after the bounds."""

JsonInt = Annotated[int, NotABoolean]
"""An integer in a request body; ``true`` and ``false`` are refused as not integers."""

BodyId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
"""A record's id named in a request body: bounded like a key, never a boolean."""

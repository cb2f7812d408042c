"""The account's and owner's names beside the ids of a list row, in the list's own query.

A screen of tickets, visits or invoices shows names; one outer join per page (never a
call or query per row, never a call to staff: owners' names come from the org copy).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table

from services.clients.accounts.models import Account
from services.clients.org.models import OrgEmployee

_ACCOUNTS = cast(Table, Account.__table__)  # type: ignore[attr-defined]
_EMPLOYEES = cast(Table, OrgEmployee.__table__)  # type: ignore[attr-defined]


def with_names(
    query: Select[Any],
    account_id_column: Any,
    owner_id_column: Any,
) -> Select[Any]:
    """``query`` with ``account_name`` and ``owner_name`` columns added (null when the org
    copy does not know the owner yet); either may be left out by passing None."""
    if account_id_column is not None:
        accounts = _ACCOUNTS.alias("named_account")
        query = query.outerjoin(accounts, accounts.c.id == account_id_column).add_columns(
            accounts.c.legal_name.label("account_name")
        )
    if owner_id_column is not None:
        owners = _EMPLOYEES.alias("named_owner")
        query = query.outerjoin(owners, owners.c.employee_id == owner_id_column).add_columns(
            owners.c.name.label("owner_name")
        )
    return query

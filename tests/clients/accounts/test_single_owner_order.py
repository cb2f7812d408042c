"""When a list's rows all have one owner, it is ordered by (owner_id, id): the same order,
and a range of the (owner_id, id) index instead of a walk of the primary key."""

import pytest

from services.clients.accounts.repository import _single_owner
from services.clients.accounts.schemas import AccountQuery


@pytest.mark.parametrize(
    ("filters", "scope", "owner"),
    [
        (AccountQuery(owner_ids=[7]), None, 7),  # a manager's view of one member
        (AccountQuery(), frozenset({7}), 7),  # an account manager's own list
        (AccountQuery(owner_ids=[7]), frozenset({7, 8}), 7),  # a team lead's filter
        (AccountQuery(owner_ids=[7, 8]), None, None),
        (AccountQuery(), None, None),  # everyone's accounts
        (AccountQuery(), frozenset({7, 8}), None),  # a team's
        (AccountQuery(owner_ids=[9]), frozenset({7, 8}), None),  # outside the scope: no rows
        (AccountQuery(owner_ids=[7], team_of=3), None, None),
    ],
)
def test_the_one_owner_is_found_only_when_filter_and_scope_fix_it(
    filters: AccountQuery, scope: frozenset[int] | None, owner: int | None
) -> None:
    assert _single_owner(filters, scope) == owner

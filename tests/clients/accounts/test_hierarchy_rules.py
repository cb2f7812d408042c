"""The group-hierarchy rule: a parent may not close a loop."""

from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import parent_would_cycle


@given(st.lists(st.integers(1, 50), unique=True, min_size=1), st.integers(1, 50))
def test_a_parent_cycles_exactly_when_the_account_is_in_its_ancestry(
    ancestry: list[int], account_id: int
) -> None:
    assert parent_would_cycle(account_id, ancestry) == (account_id in ancestry)


def test_an_account_cannot_be_its_own_parent() -> None:
    assert parent_would_cycle(7, [7])

"""The record locks ERP appliers take (services.clients.receivables.apply_locks)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.clients.receivables.apply_locks import LockedRecord, lock_order, record_key

RECORDS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "payment", "account"]),
        st.one_of(st.text(min_size=1, max_size=30), st.integers(1, 2_147_483_647)),
    ),
    max_size=12,
)


@given(RECORDS.flatmap(lambda records: st.tuples(st.just(records), st.permutations(records))))
def test_any_applier_takes_the_same_records_in_the_same_order(
    listed: tuple[list[LockedRecord], list[LockedRecord]],
) -> None:
    # The property that keeps two appliers from waiting for each other in a circle: the
    # order depends only on the set of records, never on how the event listed them.
    records, shuffled = listed
    order = lock_order(records)
    assert order == lock_order(shuffled) == sorted(set(order))
    assert len(order) == len({record_key(kind, name) for kind, name in records})


@given(RECORDS, RECORDS)
def test_locks_held_are_not_taken_again_and_the_rest_keep_their_order(
    held: list[LockedRecord], more: list[LockedRecord]
) -> None:
    taken = lock_order(held)
    rest = lock_order([*held, *more], taken)
    assert set(rest).isdisjoint(taken)
    assert set(rest) | set(taken) == set(lock_order([*held, *more]))
    assert rest == sorted(rest)


@given(st.sampled_from(["invoice", "payment", "account"]), st.text(max_size=40))
def test_keys_are_int4_and_stable(kind: str, name: str) -> None:
    key = record_key(kind, name)  # type: ignore[arg-type]
    assert -(2**31) <= key < 2**31
    assert key == record_key(kind, name)  # type: ignore[arg-type]


def test_kinds_and_names_make_different_keys() -> None:
    keys = {
        record_key("invoice", "INV-1"),
        record_key("payment", "INV-1"),
        record_key("invoice", "INV-2"),
        record_key("account", 1),
        record_key("account", 2),
    }
    assert len(keys) == 5
    assert record_key("account", 7) == record_key("account", "7")  # an id is its digits

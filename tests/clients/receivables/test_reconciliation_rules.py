"""The pure comparison behind the reconciliation report."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.clients.erp.reconciliation import Fact, reconcile


def fact(ref: str, amount: str, *, live: bool = True, currency: str = "CNY") -> Fact:
    return Fact(ref, "A1", Decimal(amount), currency, live, "open" if live else "cancelled")


def test_each_kind_of_difference_on_a_small_example() -> None:
    erp = [fact("I1", "100.00"), fact("I2", "250.00"), fact("I3", "40.00"), fact("I5", "9.00")]
    ours = [fact("I1", "100.00"), fact("I2", "200.00"), fact("I4", "60.00"),
            fact("I5", "9.00", live=False)]  # fmt: skip
    result = reconcile(erp, ours)
    assert result.matched == 1
    assert [(d.reference, d.difference) for d in result.mismatched] == [
        ("I2", _cny("50.00")), ("I5", _cny("9.00")),
    ]  # fmt: skip
    assert [d.reference for d in result.missing_here] == ["I3"]
    assert [d.reference for d in result.missing_in_erp] == ["I4"]
    [totals] = result.totals
    assert totals.erp_total.amount == Decimal("399.00")
    assert totals.our_total.amount == Decimal("360.00")
    assert totals.mismatch_difference.amount == Decimal("59.00")


def test_documents_gone_on_both_sides_match_and_a_currency_change_has_no_difference() -> None:
    result = reconcile(
        [fact("P1", "5.00", live=False), fact("P2", "10.00", currency="USD")],
        [fact("P1", "7.00", live=False), fact("P2", "10.00")],
    )
    assert result.matched == 1
    [changed] = result.mismatched
    assert changed.reference == "P2" and changed.difference is None
    totals = {t.currency: t for t in result.totals}
    assert totals["USD"].mismatch_difference.amount == Decimal("10.00")
    assert totals["CNY"].mismatch_difference.amount == Decimal("-10.00")


def _cny(amount: str) -> object:
    from shared.money import Money

    return Money.of(amount, "CNY")


documents = st.dictionaries(
    st.sampled_from([f"D{n}" for n in range(12)]),
    st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
        st.sampled_from(["CNY", "USD"]),
        st.booleans(),
    ),
    max_size=12,
)


@given(documents, documents)
def test_totals_always_add_up(
    theirs: dict[str, tuple[Decimal, str, bool]], ours: dict[str, tuple[Decimal, str, bool]]
) -> None:
    """Per currency: ERP total − our total = missing here − missing in the ERP + mismatch."""
    erp = [Fact(ref, None, amount, cur, live, "x") for ref, (amount, cur, live) in theirs.items()]
    mine = [Fact(ref, None, amount, cur, live, "x") for ref, (amount, cur, live) in ours.items()]
    result = reconcile(erp, mine)
    for totals in result.totals:
        assert totals.erp_total.amount - totals.our_total.amount == (
            totals.missing_here.amount
            - totals.missing_in_erp.amount
            + totals.mismatch_difference.amount
        )
    listed = len(result.missing_here) + len(result.missing_in_erp) + len(result.mismatched)
    assert result.matched + listed <= len(set(theirs) | set(ours))
    assert result.erp_count == len(theirs) and result.our_count == len(ours)

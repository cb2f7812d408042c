"""Who decides an above-authority request (pure rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.clients.approvals.rules import Approver, approver_from_chain, may_decide


def test_the_nearest_active_superior_decides() -> None:
    assert approver_from_chain([(901, "active"), (900, "active")]) == Approver(901)
    # A superior on leave or departed is skipped (stand-ins are not in the clients copy).
    assert approver_from_chain([(905, "on_leave"), (901, "active")]) == Approver(901)
    assert approver_from_chain([(904, "departed"), (901, "active")]) == Approver(901)


def test_at_the_top_four_eyes_decide() -> None:
    assert approver_from_chain([]).four_eyes
    assert approver_from_chain([(905, "on_leave")]) == Approver(None)
    assert not Approver(900).four_eyes


def test_who_may_decide() -> None:
    def decides(me: int, requester: int, approver: int | None, elevated: bool) -> bool:
        return may_decide(
            me=me,
            requester=requester,
            approver=approver,
            four_eyes=approver is None,
            is_department_manager_or_admin=elevated,
        )

    assert decides(900, 901, 900, elevated=False)  # the named superior
    assert not decides(902, 901, 900, elevated=True)  # a department manager not named
    assert decides(950, 900, None, elevated=True)  # the second pair of eyes at the top
    assert not decides(951, 900, None, elevated=False)


@given(
    me=st.integers(1, 50),
    approver=st.none() | st.integers(1, 50),
    elevated=st.booleans(),
)
def test_nobody_approves_his_own_request(me: int, approver: int | None, elevated: bool) -> None:
    assert not may_decide(
        me=me,
        requester=me,
        approver=approver,
        four_eyes=approver is None,
        is_department_manager_or_admin=elevated,
    )

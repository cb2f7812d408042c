"""This process's stand-in roster (shared.org_copy.roster), kept on the app's state."""

from __future__ import annotations

from starlette.datastructures import State

from shared.org_copy.roster import StandInRoster


def stand_in_roster(state: State) -> StandInRoster:
    """The roster of the app whose state this is, made on first use."""
    roster: StandInRoster | None = getattr(state, "stand_in_roster", None)
    if roster is None:
        roster = StandInRoster()
        state.stand_in_roster = roster
    return roster

"""The instants an item's sender and its person write are ISO 8601 with an offset.

``AwareDatetime`` alone reads ``0`` or ``"1795140900"`` as a Unix time (with UTC as its
offset), which the walks in tests/shared do not see; the inbox's own models refuse them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.staff.inbox.kinds import WorkItemKind, WorkItemState
from services.staff.inbox.schemas import WorkItemPost, WorkItemUpdate

NOT_ISO = [0, 1795140900, 1795140900.5, "1795140900", "2026-11-20T02:15:00"]


def post(**change: Any) -> dict[str, Any]:
    return {
        "source_key": "ticket:812:escalation:2",
        "employee_id": 7,
        "kind": next(iter(WorkItemKind)).value,
        "title": "工单 #812 已升级至您处理",
        "record_path": "/v1/clients/tickets/812",
        **change,
    }


@pytest.mark.parametrize("when", NOT_ISO)
def test_a_snooze_until_is_not_a_number_nor_without_offset(when: object) -> None:
    with pytest.raises(ValidationError):
        WorkItemUpdate.model_validate({"state": "snoozed", "snoozed_until": when})


def test_a_snooze_until_reads_iso_with_offset() -> None:
    change = WorkItemUpdate.model_validate_json(
        '{"state": "snoozed", "snoozed_until": "2026-11-20T10:15:00+08:00"}'
    )
    assert change.state is WorkItemState.SNOOZED
    assert change.snoozed_until == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


@pytest.mark.parametrize("when", NOT_ISO)
def test_a_due_time_is_not_a_number_nor_without_offset(when: object) -> None:
    with pytest.raises(ValidationError):
        WorkItemPost.model_validate(post(due_at=when))


@pytest.mark.parametrize("field", ["employee_id", "account_id", "team_department_id"])
@pytest.mark.parametrize("flag", [True, False])
def test_an_id_is_not_a_boolean(field: str, flag: bool) -> None:
    with pytest.raises(ValidationError):
        WorkItemPost.model_validate_json(json.dumps(post(**{field: flag})))


def test_a_well_written_post_is_read() -> None:
    item = WorkItemPost.model_validate_json(
        json.dumps(post(due_at="2026-11-20T10:15:00+08:00", account_id=3, team_department_id=4))
    )
    assert (item.employee_id, item.account_id, item.team_department_id) == (7, 3, 4)
    assert item.due_at == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)

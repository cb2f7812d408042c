"""The duties of a position's approved description, asked of staff (never cached).

Template items may name the duty they appraise (考核重点 → 职责); staff owns the position
descriptions, so kpi asks it at the moment a template is written or published: two reads,
the position by code (with the number of its version in force) and that version.
"""

from __future__ import annotations

from typing import Any, Protocol

from shared.errors import BadGateway, ServiceUnavailable
from shared.http_client import ServiceClient

POSITIONS_PATH = "/v1/staff/positions"


class PositionDuties(Protocol):
    async def approved_duties(self, position_code: str) -> dict[str, int] | None:
        """Duty statement → importance of the position's description in force (None: none)."""
        ...


def _json(response: Any, what: str) -> Any:
    if response.status_code != 200:
        raise BadGateway(f"staff answered {response.status_code} to {what}")
    try:
        return response.json()
    except ValueError as exc:
        raise BadGateway(f"staff's answer to {what} is not JSON") from exc


class StaffPositionDuties:
    """:class:`PositionDuties` read from staff's position API over the shared client."""

    def __init__(self, client: ServiceClient | None) -> None:
        self._client = client

    @property
    def client(self) -> ServiceClient:
        if self._client is None:
            raise ServiceUnavailable("the client for the staff service is not configured")
        return self._client

    async def approved_duties(self, position_code: str) -> dict[str, int] | None:
        listed = _json(
            await self.client.request(
                "GET", POSITIONS_PATH, params={"q": position_code, "limit": 200}
            ),
            "the position list",
        )
        position = next(
            (p for p in listed.get("items", []) if p.get("code") == position_code), None
        )
        if position is None or position.get("in_force_version_no") is None:
            return None
        version = _json(
            await self.client.request(
                "GET",
                f"{POSITIONS_PATH}/{position['id']}/versions/{position['in_force_version_no']}",
            ),
            f"position {position_code}'s description in force",
        )
        return {duty["statement"]: int(duty["importance"]) for duty in version.get("duties", [])}

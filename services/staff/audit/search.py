"""The audit search across services: staff's own log read here, clients' and kpi's over
HTTP with the caller's own token (so each service applies its own rule to the caller),
merged newest first (services.staff.audit.rules)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.audit.models import StaffAuditEntry
from services.staff.audit.rules import Batch, Positions, merge_page, next_cursor, read_cursor
from services.staff.audit.schemas import AuditSearchEntry, AuditService
from shared.audit_log import AuditSearch, audit_entries
from shared.errors import BadGateway, ServiceUnavailable
from shared.http_client import ServiceClient
from shared.pagination import Page, encode_cursor

AUDIT_PATHS = {AuditService.CLIENTS: "/v1/clients/audit", AuditService.KPI: "/v1/kpi/audit"}
"""Where each other service serves its audit search (same filters, same page shape)."""


class AuditSearchAcrossServices:
    """One search over the audit logs of clients, staff and kpi."""

    def __init__(
        self,
        session: AsyncSession,
        upstreams: dict[AuditService, ServiceClient],
        authorization: str | None,
    ) -> None:
        self.session = session
        self.upstreams = upstreams
        self.authorization = authorization

    async def page(
        self,
        search: AuditSearch,
        services: Sequence[AuditService],
        cursor: str | None,
        limit: int,
    ) -> Page[AuditSearchEntry]:
        names = [service.value for service in services]
        positions = read_cursor(cursor, names)
        # A service whose position is null has nothing more: it is not asked again.
        pending = [s for s in services if s.value not in positions or positions[s.value]]
        # Staff's own log first, on the request's session; the others concurrently.
        batches = []
        if AuditService.STAFF in pending:
            batches.append(await self._own(search, positions, limit))
        batches += await asyncio.gather(
            *(
                self._remote(service, search, positions, limit)
                for service in pending
                if service is not AuditService.STAFF
            )
        )
        items, after = merge_page(batches, positions, limit)
        return Page[AuditSearchEntry](items=items, next_cursor=next_cursor(after, names))

    async def _own(
        self, search: AuditSearch, positions: Positions, limit: int
    ) -> Batch[AuditSearchEntry]:
        rows = await audit_entries(
            self.session, StaffAuditEntry, search, positions.get(AuditService.STAFF.value), limit
        )
        entries = [AuditSearchEntry.model_validate(row) for row in rows]
        return Batch(AuditService.STAFF.value, entries, len(entries) == limit)

    async def _remote(
        self, service: AuditService, search: AuditSearch, positions: Positions, limit: int
    ) -> Batch[AuditSearchEntry]:
        params: dict[str, str | int] = {**search.as_query(), "limit": limit}
        before = positions.get(service.value)
        if before is not None:
            params["cursor"] = encode_cursor({"id": before})
        headers = {"Authorization": self.authorization} if self.authorization else {}
        upstream = self.upstreams.get(service)
        if upstream is None:  # the app was built without its lifespan
            raise ServiceUnavailable(f"the {service.value} service is unavailable")
        response = await upstream.request(
            "GET", AUDIT_PATHS[service], params=params, headers=headers
        )
        if response.status_code != 200:
            raise BadGateway(f"the {service.value} service failed to answer")
        try:
            page = Page[AuditSearchEntry].model_validate_json(response.content)
        except ValidationError as exc:
            raise BadGateway(f"the {service.value} service failed to answer") from exc
        return Batch(service.value, page.items, len(page.items) == limit)

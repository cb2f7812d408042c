"""The scopes an API key may hold: the published list (``GET /v1/staff/api-key-scopes``).

A key is created with scopes from this list only (another is a 422); a route admits a
scope through its :class:`shared.auth.policy.Policy`. Add a scope here, with what it lets a
machine do, before a route names it.
"""

from __future__ import annotations

from enum import StrEnum


class ApiKeyScope(StrEnum):
    ERP_WRITE = "erp:write"


SCOPE_DESCRIPTIONS: dict[ApiKeyScope, str] = {
    ApiKeyScope.ERP_WRITE: "The ERP: push invoice and payment events "
    "(POST /v1/clients/erp/webhooks) and read what became of them "
    "(GET /v1/clients/erp/events/{event_id}, GET /v1/clients/erp/pending-events).",
}

"""The clients service: key-account records, service work and receivables."""

from __future__ import annotations

from fastapi import FastAPI

from services.clients.accounts.router import router as accounts_router
from services.clients.settings import ClientsSettings
from shared.service_app import create_service_app

TAGS = [
    {"name": "accounts", "description": "大客户: key-account records, classification, grade."},
]


def create_app(settings: ClientsSettings | None = None) -> FastAPI:
    """Build the clients service app."""
    return create_service_app(
        settings or ClientsSettings(),
        title="KAM clients service",
        description="Key-account records (客户档案): accounts, contacts, visits, tickets, "
        "contracts and receivables.",
        routers=[accounts_router],
        openapi_tags=TAGS,
    )

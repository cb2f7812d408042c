"""The staff service: departments, position descriptions, employees, org chart."""

from __future__ import annotations

from fastapi import FastAPI

from services.staff.departments.router import router as departments_router
from services.staff.settings import StaffSettings
from shared.service_app import create_service_app

TAGS = [
    {"name": "departments", "description": "部门: the hierarchy, charters and functions."},
]


def create_app(settings: StaffSettings | None = None) -> FastAPI:
    """Build the staff service app."""
    return create_service_app(
        settings or StaffSettings(),
        title="KAM staff service",
        description="Departments, position descriptions (职位说明书), employees and the org chart.",
        routers=[departments_router],
        openapi_tags=TAGS,
    )

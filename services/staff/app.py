"""The staff service: departments, position descriptions, employees, org chart."""

from __future__ import annotations

from fastapi import FastAPI

from services.staff.audit.lifespan import audit_search_lifespan
from services.staff.audit.recorder import record_denial
from services.staff.audit.router import router as audit_router
from services.staff.audit.router import search as audit_search_router
from services.staff.departments.router import router as departments_router
from services.staff.employees.router import router as employees_router
from services.staff.idempotency_keys import StaffIdempotencyKey
from services.staff.identity.admin_router import api_key_scopes as api_key_scopes_router
from services.staff.identity.admin_router import api_keys as api_keys_router
from services.staff.identity.admin_router import users as users_router
from services.staff.identity.auth_router import router as auth_router
from services.staff.identity.factor_router import me as my_second_factor_router
from services.staff.identity.factor_router import reset as second_factor_reset_router
from services.staff.identity.factor_router import router as second_factor_router
from services.staff.identity.lifespan import identity_lifespan
from services.staff.identity.sessions_router import me as my_sessions_router
from services.staff.inbox.router import internal as work_items_router
from services.staff.inbox.router import me as my_inbox_router
from services.staff.notifications.lifespan import digest_lifespan, notifications_lifespan
from services.staff.notifications.router import admin as notifications_admin_router
from services.staff.notifications.router import me as my_notifications_router
from services.staff.offboarding.router import router as offboarding_router
from services.staff.orgchart.router import router as org_chart_router
from services.staff.outbox import STAFF_OUTBOX
from services.staff.outbox_dispatch import outbox_lifespan
from services.staff.positions.router import router as positions_router
from services.staff.qualifications.router import router as qualifications_router
from services.staff.settings import StaffSettings
from services.staff.standins.router import me as my_stand_ins_router
from services.staff.standins.router import router as stand_ins_router
from shared.service_app import create_service_app

TAGS = [
    {"name": "departments", "description": "部门: the hierarchy, charters and functions."},
    {"name": "auth", "description": "Sign-in, tokens, sign-out and the public keys."},
    {"name": "users", "description": "Logins of people and their roles (administrators)."},
    {"name": "api-keys", "description": "Keys of machine clients such as the ERP."},
    {"name": "staff-audit", "description": "Who did what, when (administrators)."},
    {"name": "positions", "description": "职位说明书: position descriptions and their versions."},
    {"name": "employees", "description": "员工: who holds which position."},
    {"name": "qualifications", "description": "任职资格: requirements met, and the rate."},
    {"name": "org-chart", "description": "The organisation as a tree with headcounts."},
    {"name": "offboarding", "description": "离职: departures and account handovers."},
    {"name": "inbox", "description": "待办: work items posted by our services, per person."},
    {"name": "stand-ins", "description": "代理: who acts for an absent colleague, and when."},
    {
        "name": "notifications",
        "description": "通知: preferences, channel deliveries, dead letters.",
    },
]


def create_app(settings: StaffSettings | None = None) -> FastAPI:
    """Build the staff service app."""
    app = create_service_app(
        settings or StaffSettings(),
        idempotency_keys=StaffIdempotencyKey,
        title="KAM staff service",
        description="Departments, position descriptions (职位说明书), employees and the org chart.",
        routers=[
            departments_router,
            auth_router,
            second_factor_router,
            my_second_factor_router,
            users_router,
            second_factor_reset_router,
            api_keys_router,
            api_key_scopes_router,
            audit_router,
            audit_search_router,
            positions_router,
            employees_router,
            qualifications_router,
            org_chart_router,
            offboarding_router,
            work_items_router,
            my_inbox_router,
            stand_ins_router,
            my_stand_ins_router,
            my_notifications_router,
            my_sessions_router,
            notifications_admin_router,
        ],
        lifespans=[
            identity_lifespan,
            outbox_lifespan,
            notifications_lifespan,
            digest_lifespan,
            audit_search_lifespan,
        ],
        openapi_tags=TAGS,
        on_access_denied=record_denial,
    )
    # The backlog of undelivered messages, counted when Prometheus scrapes /metrics.
    app.state.metrics.watch_outbox(lambda: app.state.engine, STAFF_OUTBOX)
    return app

"""The staff service's composition: settings, the caller and actor, and every ``build_*``
factory that wires a domain's service to its repositories and the org event publisher.

Domains import their route dependencies from here and never from each other's modules;
this is the only place that knows how the domains fit together. ``build_*`` take a
session (and the settings where they need them) so work outside a request, such as the
outbox dispatch, wires services the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.audit.schemas import AuditService
from services.staff.audit.search import AuditSearchAcrossServices
from services.staff.clock import NowDep, system_clock
from services.staff.departments.repository import DepartmentRepository
from services.staff.departments.service import DepartmentService
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.repository import EmployeeRepository
from services.staff.employees.service import EmployeeService
from services.staff.identity.factor_repository import FactorRepository
from services.staff.identity.hashing import PasswordHashing
from services.staff.identity.password_policy import PasswordPolicy
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.resets import PasswordResetService, ResetSettings
from services.staff.identity.second_factor import SecondFactorGate
from services.staff.identity.service import IdentityService
from services.staff.identity.sessions import SessionService
from services.staff.identity.sign_in_guard import (
    SignInGuard,
    sign_in_guard,
    sign_in_guard_dependency,
)
from services.staff.inbox.repository import WorkItemRepository
from services.staff.inbox.service import WorkItemService
from services.staff.inbox.staff_items import StaffWorkItems
from services.staff.notifications.repository import NotificationRepository
from services.staff.notifications.senders import SmtpSender
from services.staff.notifications.service import NotificationService
from services.staff.offboarding.repository import DepartureRepository
from services.staff.offboarding.service import OffboardingService
from services.staff.orgchart.service import OrgChartService
from services.staff.positions.acknowledgements import AcknowledgementService
from services.staff.positions.repository import PositionRepository
from services.staff.positions.service import PositionService
from services.staff.qualifications.service import QualificationService
from services.staff.settings import StaffSettings
from services.staff.standins.service import StandInService
from shared.auth.principal import Principal
from shared.auth.tokens import SigningKey
from shared.db import SessionDep
from shared.periods import company_day

# --- settings and actor -------------------------------------------------------------------


def staff_settings(request: Request) -> StaffSettings:
    settings = request.app.state.settings
    assert isinstance(settings, StaffSettings)
    return settings


def optional_actor(request: Request) -> str | None:
    """The subject of the authenticated caller, when there is one (sign-in has none)."""
    principal = getattr(request.state, "principal", None)
    return principal.subject if isinstance(principal, Principal) else None


StaffSettingsDep = Annotated[StaffSettings, Depends(staff_settings)]
ActorSubject = Annotated[str | None, Depends(optional_actor)]

# --- factories ----------------------------------------------------------------------------


def build_department_service(session: AsyncSession) -> DepartmentService:
    return DepartmentService(DepartmentRepository(session))


def build_employee_service(session: AsyncSession) -> EmployeeService:
    return EmployeeService(
        EmployeeRepository(session),
        PositionRepository(session),
        DepartmentRepository(session),
        OrgEventPublisher(session),
    )


def build_position_service(session: AsyncSession, settings: StaffSettings) -> PositionService:
    return PositionService(
        PositionRepository(session),
        DepartmentRepository(session),
        OrgEventPublisher(session),
        EmployeeRepository(session),
        build_staff_work_items(session, settings),
    )


def build_acknowledgement_service(session: AsyncSession) -> AcknowledgementService:
    return AcknowledgementService(PositionRepository(session), EmployeeRepository(session))


def build_org_chart_service(session: AsyncSession) -> OrgChartService:
    return OrgChartService(
        DepartmentRepository(session), PositionRepository(session), EmployeeRepository(session)
    )


def build_qualification_service(session: AsyncSession) -> QualificationService:
    return QualificationService(
        EmployeeRepository(session), PositionRepository(session), DepartmentRepository(session)
    )


def build_offboarding_service(session: AsyncSession) -> OffboardingService:
    return OffboardingService(
        DepartureRepository(session), EmployeeRepository(session), OrgEventPublisher(session)
    )


def build_identity_service(
    session: AsyncSession,
    settings: StaffSettings,
    signing_key: SigningKey,
    actor: str | None,
    hashing: PasswordHashing | None = None,
) -> IdentityService:
    return IdentityService(
        IdentityRepository(session),
        signing_key,
        access_seconds=settings.access_token_minutes * 60,
        refresh_days=settings.refresh_token_days,
        actor=actor,
        hashing=hashing,
        lockouts=build_staff_work_items(session, settings),
        second_factor=build_second_factor_gate(session, settings, actor),
        password_policy=password_policy(settings),
    )


def build_second_factor_gate(
    session: AsyncSession, settings: StaffSettings, actor: str | None = None
) -> SecondFactorGate:
    return SecondFactorGate(
        FactorRepository(session),
        required_roles=settings.second_factor_roles,
        challenge_seconds=settings.second_factor_challenge_seconds,
        window=settings.second_factor_window,
        issuer=settings.second_factor_issuer,
        actor=actor,
    )


def password_policy(settings: StaffSettings) -> PasswordPolicy:
    return PasswordPolicy(settings.password_min_length, settings.password_min_strength)


def build_session_service(
    session: AsyncSession, settings: StaffSettings, actor: str | None
) -> SessionService:
    return SessionService(
        IdentityRepository(session), refresh_days=settings.refresh_token_days, actor=actor
    )


def build_password_reset_service(
    session: AsyncSession, settings: StaffSettings, actor: str | None, hashing: PasswordHashing
) -> PasswordResetService:
    return PasswordResetService(
        IdentityRepository(session),
        hashing.hash,
        password_policy(settings),
        ResetSettings(
            settings.password_reset_minutes,
            settings.password_reset_url,
            settings.password_reset_resend_seconds,
        ),
        actor,
    )


def build_reset_mailer(settings: StaffSettings) -> SmtpSender:
    """Reset mails go straight to the notifications' SMTP server: they are not queued as
    deliveries, since a stored delivery would keep the token in the database."""
    return SmtpSender(
        settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_timeout_seconds
    )


def build_notification_service(
    session: AsyncSession, settings: StaffSettings
) -> NotificationService:
    return NotificationService(
        NotificationRepository(session),
        EmployeeRepository(session),
        settings.timezone,
        settings.group_robots,
    )


def build_work_item_service(session: AsyncSession, settings: StaffSettings) -> WorkItemService:
    return WorkItemService(
        WorkItemRepository(session),
        EmployeeRepository(session),
        build_notification_service(session, settings),
    )


def build_staff_work_items(session: AsyncSession, settings: StaffSettings) -> StaffWorkItems:
    """Items staff posts itself (lockouts, position approvals) in the session's transaction."""
    return StaffWorkItems(
        build_work_item_service(session, settings), settings.timezone, system_clock
    )


# --- route dependencies -------------------------------------------------------------------


def department_service(session: SessionDep) -> DepartmentService:
    return build_department_service(session)


def employee_service(session: SessionDep) -> EmployeeService:
    return build_employee_service(session)


def position_service(session: SessionDep, settings: StaffSettingsDep) -> PositionService:
    return build_position_service(session, settings)


def acknowledgement_service(session: SessionDep) -> AcknowledgementService:
    return build_acknowledgement_service(session)


def org_chart_service(session: SessionDep) -> OrgChartService:
    return build_org_chart_service(session)


def qualification_service(session: SessionDep) -> QualificationService:
    return build_qualification_service(session)


def offboarding_service(session: SessionDep) -> OffboardingService:
    return build_offboarding_service(session)


def identity_service(request: Request, session: SessionDep) -> IdentityService:
    """The service bound to the request's session (and transaction)."""
    return identity_service_in(request, session)


def identity_service_in(request: Request, session: AsyncSession) -> IdentityService:
    """The service bound to ``session``: for a route that runs transactions of its own."""
    return build_identity_service(
        session,
        staff_settings(request),
        request.app.state.signing_keys[0],
        optional_actor(request),
        sign_in_guard(request).hashing,
    )


def session_service(
    session: SessionDep, settings: StaffSettingsDep, actor: ActorSubject
) -> SessionService:
    return build_session_service(session, settings, actor)


def password_reset_service(
    request: Request, session: SessionDep, settings: StaffSettingsDep, actor: ActorSubject
) -> PasswordResetService:
    return build_password_reset_service(session, settings, actor, sign_in_guard(request).hashing)


def reset_mailer(settings: StaffSettingsDep) -> SmtpSender:
    return build_reset_mailer(settings)


def notification_service(session: SessionDep, settings: StaffSettingsDep) -> NotificationService:
    return build_notification_service(session, settings)


def work_item_service(session: SessionDep, settings: StaffSettingsDep) -> WorkItemService:
    return build_work_item_service(session, settings)


def stand_in_service(session: SessionDep) -> StandInService:
    return StandInService(session)


def company_today(settings: StaffSettingsDep, now: NowDep) -> date:
    """Today in the company's time zone (``KAM_TIMEZONE``)."""
    return company_day(now, settings.timezone)


DepartmentServiceDep = Annotated[DepartmentService, Depends(department_service)]
EmployeeServiceDep = Annotated[EmployeeService, Depends(employee_service)]
PositionServiceDep = Annotated[PositionService, Depends(position_service)]
AcknowledgementServiceDep = Annotated[AcknowledgementService, Depends(acknowledgement_service)]
OrgChartServiceDep = Annotated[OrgChartService, Depends(org_chart_service)]
QualificationServiceDep = Annotated[QualificationService, Depends(qualification_service)]
OffboardingServiceDep = Annotated[OffboardingService, Depends(offboarding_service)]
IdentityServiceDep = Annotated[IdentityService, Depends(identity_service)]
SignInGuardDep = Annotated[SignInGuard, Depends(sign_in_guard_dependency)]
SessionServiceDep = Annotated[SessionService, Depends(session_service)]
PasswordResetServiceDep = Annotated[PasswordResetService, Depends(password_reset_service)]
ResetMailerDep = Annotated[SmtpSender, Depends(reset_mailer)]
NotificationServiceDep = Annotated[NotificationService, Depends(notification_service)]
WorkItemServiceDep = Annotated[WorkItemService, Depends(work_item_service)]
StandInServiceDep = Annotated[StandInService, Depends(stand_in_service)]
TodayDep = Annotated[date, Depends(company_today)]


def audit_search_across_services(
    request: Request, session: SessionDep
) -> AuditSearchAcrossServices:
    """The search, asking the other services with the caller's own token (one missing
    from the app answers 503 when asked, after the request's own input was checked)."""
    state = request.app.state
    upstreams = {
        AuditService.CLIENTS: getattr(state, "clients_client", None),
        AuditService.KPI: getattr(state, "kpi_client", None),
    }
    return AuditSearchAcrossServices(
        session,
        {service: client for service, client in upstreams.items() if client is not None},
        request.headers.get("authorization"),
    )


AuditSearchAcrossServicesDep = Annotated[
    AuditSearchAcrossServices, Depends(audit_search_across_services)
]

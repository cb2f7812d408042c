"""The clients service's composition: settings, the caller's scope and actor, and every
``build_*`` factory that wires a domain's service to its repositories and to the
cross-domain reactions (``services.clients.reactions``).

Domains import their route dependencies from here and never from each other; this module
is the only place that knows how the domains fit together. ``build_*`` take a session and
the settings so jobs outside a request (schedules, the ERP sync) wire services the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import (
    Caller,
    OwnerScope,
    account_scope,
    acting_employee_id,
    optional_acting_employee_id,
)
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import GradeThresholds, payment_behaviour_cap
from services.clients.accounts.service import AccountService
from services.clients.approvals.repository import ApprovalRepository
from services.clients.approvals.rules import Viewer
from services.clients.approvals.service import ApplyApproved, ApprovalService, OnRefused
from services.clients.assessments.repository import AssessmentRepository
from services.clients.assessments.service import AssessmentService
from services.clients.attachments.repository import AttachmentRepository
from services.clients.attachments.rules import AttachmentStorageKind, OwnerKind
from services.clients.attachments.service import AttachmentService, OwnerLookup
from services.clients.attachments.storage import PostgresStorage, S3Storage, Storage
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.bids.repository import BidRepository
from services.clients.bids.service import BidService
from services.clients.calendar.repository import CalendarRepository
from services.clients.calendar.rules import business_hours
from services.clients.calendar.service import BusinessCalendarService
from services.clients.calendar.today import company_today
from services.clients.catalogue.repository import ProductRepository
from services.clients.catalogue.service import CatalogueService
from services.clients.collection.dunning import DunningService
from services.clients.collection.exposure import CreditService as CreditLimitService
from services.clients.collection.repository import CollectionRepository
from services.clients.collection.rules import dunning_policy
from services.clients.competitors.presence_repository import CompetitorPresenceRepository
from services.clients.competitors.presence_service import CompetitorPresenceService
from services.clients.competitors.register_repository import CompetitorRepository
from services.clients.competitors.register_service import CompetitorRegister
from services.clients.contacts.repository import ContactRepository
from services.clients.contacts.service import ContactService
from services.clients.contracts.repository import ContractRepository
from services.clients.contracts.service import ContractService
from services.clients.credit.repository import CreditRepository
from services.clients.credit.service import CREDIT_ADJUSTMENT, CreditService
from services.clients.disputes.repository import DisputeRepository
from services.clients.disputes.rules import Viewer as DisputeViewerOf
from services.clients.disputes.service import DisputeService
from services.clients.duplicates.repository import DuplicateRepository
from services.clients.duplicates.service import DuplicateService
from services.clients.erp.batch_repository import BatchRepository
from services.clients.erp.batcher import ErpBatcher
from services.clients.erp.bulk_apply import BatchOutcome, BulkApplier, Delivery
from services.clients.erp.ingest import ErpIngest
from services.clients.erp.repository import ErpReferences
from services.clients.erp.secrets import verifying_secrets
from services.clients.grading.repository import GradingRepository
from services.clients.grading.service import GradingService
from services.clients.metrics.repository import MetricsRepository
from services.clients.metrics.service import MetricsService
from services.clients.my_day.repository import MyDayRepository
from services.clients.my_day.service import MyDayService
from services.clients.notes.repository import NoteRepository
from services.clients.notes.service import NoteService
from services.clients.opportunities.repository import OpportunityRepository, StageRepository
from services.clients.opportunities.service import OpportunityService
from services.clients.opportunities.stages import PipelineService
from services.clients.org.repository import OrgRepository
from services.clients.org.service import OrgService
from services.clients.ownership.repository import OwnershipRepository
from services.clients.ownership.service import OwnershipService
from services.clients.pipeline.repository import PipelineRepository
from services.clients.pipeline.service import PipelineReports
from services.clients.pipeline.targets import KpiTargets
from services.clients.quotations.repository import QuotationRepository
from services.clients.quotations.service import QUOTATION_DISCOUNT, QuotationService
from services.clients.rates.repository import RateRepository
from services.clients.rates.service import RateService
from services.clients.reactions import (
    AccountCreated,
    ApprovalsToInbox,
    CollectionTasksToInbox,
    ContractSigned,
    DisputesToInbox,
    ErpEventApplied,
    LinesPaidOff,
    OpportunityWon,
    ReceivablesChanged,
    TicketEscalated,
    TicketFinished,
    VisitSettled,
)
from services.clients.receivables.models import ClientsIdempotencyKey
from services.clients.receivables.repository import ReceivablesRepository
from services.clients.receivables.schemas import DeliveryReceipt
from services.clients.receivables.service import ReceivablesService
from services.clients.receivables.write_offs import WriteOffService
from services.clients.settings import ClientsSettings, forecast_policy
from services.clients.surveys.repository import SurveyRepository
from services.clients.surveys.service import SurveyService
from services.clients.teams.repository import TeamRepository
from services.clients.teams.service import TeamService
from services.clients.tickets.repository import TicketRepository
from services.clients.tickets.service import TicketService
from services.clients.tickets.sla import BreachCheck, SlaPolicyService
from services.clients.timeline.repository import TimelineRepository
from services.clients.timeline.service import TimelineService
from services.clients.visits.contact_schedule import ContactScheduleService
from services.clients.visits.planner import VisitPlanner
from services.clients.visits.repository import ContactTouchRepository, VisitRepository
from services.clients.visits.rules import visit_frequencies
from services.clients.visits.service import VisitService
from services.clients.workitems.producer import WorkItemOutbox
from services.clients.workitems.producers import RoundSettings, WorkItemRounds
from services.clients.workitems.queries import WorkItemQueries
from shared.auth.principal import Role
from shared.db import SessionDep
from shared.http_client import ServiceClient
from shared.idempotency import Idempotency, IdempotentRequest

# --- settings, scope and actor ------------------------------------------------------------


async def clients_settings(request: Request) -> ClientsSettings:
    settings = request.app.state.settings
    assert isinstance(settings, ClientsSettings)
    return settings


SettingsDep = Annotated[ClientsSettings, Depends(clients_settings)]
AccountScope = Annotated[Collection[int] | None, Depends(account_scope)]
ActingEmployeeId = Annotated[int, Depends(acting_employee_id)]
ActorId = Annotated[int | None, Depends(optional_acting_employee_id)]
PaymentIdempotency = Annotated[IdempotentRequest, Depends(Idempotency(ClientsIdempotencyKey))]
# Creating POSTs that honour a key when one is sent (a retry then returns the first answer).
CreateIdempotency = Annotated[
    IdempotentRequest, Depends(Idempotency(ClientsIdempotencyKey, required=False))
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def audit_trail(session: AsyncSession) -> AuditTrail:
    return AuditTrail(AuditRepository(session))


# --- build_* factories (a session and the settings; used by routes and jobs alike) ---------


def build_rates(session: AsyncSession, settings: ClientsSettings) -> RateService:
    """The rate service on a session (other domains convert amounts with it)."""
    return RateService(RateRepository(session), audit_trail(session), base=settings.base_currency)


def build_visit_planner(session: AsyncSession, settings: ClientsSettings) -> VisitPlanner:
    """The planner on a session (grading, ownership and the visits API use it)."""
    return VisitPlanner(
        VisitRepository(session),
        audit_trail(session),
        frequencies=visit_frequencies(settings.visit_frequencies),
        today=company_today(settings.timezone),
        working_days=build_calendar(session, settings).working_days,
    )


def build_grading(session: AsyncSession, settings: ClientsSettings) -> GradingService:
    """The grading service on a session (also used by jobs outside a request)."""
    return GradingService(
        AccountRepository(session),
        GradingRepository(session),
        audit_trail(session),
        thresholds=GradeThresholds(
            a=settings.grade_a_threshold, b=settings.grade_b_threshold, s=settings.grade_s_threshold
        ),
        currency=settings.base_currency,
        today=company_today(settings.timezone),
        on_grade_change=build_visit_planner(session, settings),
        payment_cap=payment_behaviour_cap(settings.grade_cap_overdue_days),
    )


def build_ownership(session: AsyncSession) -> OwnershipService:
    return OwnershipService(
        AccountRepository(session),
        OwnershipRepository(session),
        OrgService(OrgRepository(session)),
        TeamRepository(session),
    )


def build_teams(session: AsyncSession, settings: ClientsSettings) -> TeamService:
    return TeamService(
        AccountRepository(session),
        OrgRepository(session),
        TeamRepository(session),
        audit_trail(session),
        service_queues=settings.service_queues,
    )


def build_disputes(session: AsyncSession, settings: ClientsSettings) -> DisputeService:
    """Ownership disputes (撞单) on a session: account creation opens them too."""
    return DisputeService(
        DisputeRepository(session),
        OrgRepository(session),
        build_ownership(session),
        audit_trail(session),
        DisputesToInbox(WorkItemQueries(session), WorkItemOutbox(session)),
        protection_days=settings.ownership_protection_days,
        now=utc_now,
    )


def build_duplicates(session: AsyncSession, settings: ClientsSettings) -> DuplicateService:
    return DuplicateService(
        DuplicateRepository(session),
        AccountRepository(session),
        ContactRepository(session),
        audit_trail(session),
        threshold=settings.duplicate_name_threshold,
        undo_period=timedelta(days=settings.account_merge_undo_days),
        now=utc_now,
    )


def build_accounts(session: AsyncSession, settings: ClientsSettings) -> AccountService:
    grading = build_grading(session, settings)
    return AccountService(
        AccountRepository(session),
        OrgService(OrgRepository(session)),
        grading,
        audit_trail(session),
        on_created=AccountCreated(grading, build_ownership(session)),
        on_code_taken=build_disputes(session, settings).claim_for_new_account,
        duplicates=build_duplicates(session, settings),
    )


def build_assessments(session: AsyncSession, settings: ClientsSettings) -> AssessmentService:
    return AssessmentService(
        AccountRepository(session),
        AssessmentRepository(session),
        audit_trail(session),
        today=company_today(settings.timezone),
    )


def build_calendar(session: AsyncSession, settings: ClientsSettings) -> BusinessCalendarService:
    """The calendar service on a session (also used by jobs outside a request)."""
    return BusinessCalendarService(
        CalendarRepository(session),
        audit_trail(session),
        business_hours(
            settings.timezone,
            settings.business_opens_at,
            settings.business_closes_at,
            settings.lunch_break_starts_at,
            settings.lunch_break_ends_at,
        ),
    )


def build_dunning(session: AsyncSession, settings: ClientsSettings) -> DunningService:
    """The dunning service on a session (also used by the scheduled run)."""
    return DunningService(
        AccountRepository(session),
        CollectionRepository(session),
        audit_trail(session),
        policy=dunning_policy(settings.dunning_levels),
        task_due_days=settings.dunning_task_due_days,
        today=company_today(settings.timezone),
        on_tasks=CollectionTasksToInbox(WorkItemQueries(session), WorkItemOutbox(session)),
    )


def build_credit_limits(session: AsyncSession, settings: ClientsSettings) -> CreditLimitService:
    """The credit-limit (exposure) service on a session (also used by contract signing)."""
    return CreditLimitService(
        AccountRepository(session),
        CollectionRepository(session),
        audit_trail(session),
        base=settings.base_currency,
    )


def build_contacts(session: AsyncSession, settings: ClientsSettings) -> ContactService:
    return ContactService(
        AccountRepository(session),
        ContactRepository(session),
        audit_trail(session),
        today=company_today(settings.timezone),
        duplicates=build_duplicates(session, settings),
    )


def build_notes(session: AsyncSession) -> NoteService:
    return NoteService(NoteRepository(session), AccountRepository(session), audit_trail(session))


def build_timeline(session: AsyncSession) -> TimelineService:
    return TimelineService(TimelineRepository(session), AccountRepository(session))


def build_contracts(session: AsyncSession, settings: ClientsSettings) -> ContractService:
    return ContractService(
        AccountRepository(session),
        ContractRepository(session),
        build_rates(session, settings),
        audit_trail(session),
        today=company_today(settings.timezone),
        on_signed=ContractSigned(build_grading(session, settings)),
    )


def build_catalogue(session: AsyncSession) -> CatalogueService:
    return CatalogueService(ProductRepository(session), audit_trail(session))


def build_competitor_register(session: AsyncSession) -> CompetitorRegister:
    return CompetitorRegister(CompetitorRepository(session), audit_trail(session))


def build_pipeline(session: AsyncSession) -> PipelineService:
    return PipelineService(StageRepository(session), audit_trail(session))


def build_pipeline_reports(
    session: AsyncSession, settings: ClientsSettings, kpi_client: ServiceClient | None
) -> PipelineReports:
    return PipelineReports(
        PipelineRepository(session),
        KpiTargets(
            kpi_client,
            settings.forecast_target_indicator,
            settings.forecast_targets_timeout_seconds,
        ),
        forecast_policy(settings),
        base=settings.base_currency,
        timezone=settings.timezone,
        today=company_today(settings.timezone),
        stuck_days=settings.pipeline_stuck_days,
    )


def build_opportunities(session: AsyncSession, settings: ClientsSettings) -> OpportunityService:
    return OpportunityService(
        AccountRepository(session),
        OpportunityRepository(session),
        StageRepository(session),
        ProductRepository(session),
        CompetitorRepository(session),
        ContractRepository(session),
        ContactRepository(session),
        OrgService(OrgRepository(session)),
        audit_trail(session),
        now=utc_now,
        sign_contract=OpportunityWon(
            build_contracts(session, settings), build_quotations(session, settings)
        ),
    )


@dataclass(frozen=True)
class AboveAuthority:
    """Approvals and the domains whose changes it holds, built together on one session:
    credit and quotations file their above-authority requests with approvals, and
    approvals applies (or, refused, undoes) a decided one through them."""

    approvals: ApprovalService
    credit: CreditService
    quotations: QuotationService


def build_above_authority(
    session: AsyncSession, settings: ClientsSettings, now: Callable[[], datetime] = utc_now
) -> AboveAuthority:
    appliers: dict[str, ApplyApproved] = {}
    refusers: dict[str, OnRefused] = {}
    approvals = ApprovalService(
        ApprovalRepository(session),
        OrgRepository(session),
        audit_trail(session),
        appliers,
        refusers=refusers,
        listener=ApprovalsToInbox(WorkItemQueries(session), WorkItemOutbox(session)),
    )
    credit = CreditService(
        AccountRepository(session),
        CreditRepository(session),
        OrgService(OrgRepository(session)),
        audit_trail(session),
        approvals,
        timezone=settings.timezone,
        period=settings.credit_authority_period,
        now=now,
    )
    quotations = QuotationService(
        QuotationRepository(session),
        OrgRepository(session),
        audit_trail(session),
        approvals,
        today=company_today(settings.timezone),
    )
    appliers[CREDIT_ADJUSTMENT] = credit.apply_approved
    appliers[QUOTATION_DISCOUNT] = quotations.apply_approved
    refusers[QUOTATION_DISCOUNT] = quotations.refused
    return AboveAuthority(approvals, credit, quotations)


def build_approvals_and_credit(
    session: AsyncSession, settings: ClientsSettings, now: Callable[[], datetime] = utc_now
) -> tuple[ApprovalService, CreditService]:
    built = build_above_authority(session, settings, now)
    return built.approvals, built.credit


def build_credit(
    session: AsyncSession, settings: ClientsSettings, now: Callable[[], datetime] = utc_now
) -> CreditService:
    return build_above_authority(session, settings, now).credit


def build_approvals(session: AsyncSession, settings: ClientsSettings) -> ApprovalService:
    return build_above_authority(session, settings).approvals


def build_quotations(session: AsyncSession, settings: ClientsSettings) -> QuotationService:
    return build_above_authority(session, settings).quotations


def build_bids(session: AsyncSession, settings: ClientsSettings) -> BidService:
    return BidService(
        BidRepository(session), OrgRepository(session), audit_trail(session), now=utc_now
    )


def attachment_storage(
    settings: ClientsSettings, session_factory: async_sessionmaker[AsyncSession]
) -> Storage:
    """The storage the settings name."""
    if settings.attachment_storage is AttachmentStorageKind.S3:
        assert settings.attachment_s3_bucket is not None
        assert settings.attachment_s3_access_key is not None
        assert settings.attachment_s3_secret_key is not None
        return S3Storage(
            bucket=settings.attachment_s3_bucket,
            endpoint=settings.attachment_s3_endpoint,
            region=settings.attachment_s3_region,
            access_key=settings.attachment_s3_access_key.get_secret_value(),
            secret_key=settings.attachment_s3_secret_key.get_secret_value(),
            part_bytes=settings.attachment_s3_part_bytes,
        )
    return PostgresStorage(session_factory, settings.attachment_chunk_bytes)


def attachment_owners(session: AsyncSession, settings: ClientsSettings) -> OwnerLookup:
    """The account of a record files are attached to, looked up by the record's own
    service within the caller's scope: an attachment is seen and changed exactly as its
    record is (404 when the record is missing or out of scope)."""

    async def account_of(kind: OwnerKind, record_id: int, owner_ids: OwnerScope) -> int:
        if kind is OwnerKind.ACCOUNT:
            account = await build_accounts(session, settings).get(record_id, owner_ids)
            assert account.id is not None
            return account.id
        if kind is OwnerKind.CONTRACT:
            return (await build_contracts(session, settings).get(record_id, owner_ids)).account_id
        if kind is OwnerKind.VISIT:
            visits = build_visit_service(session, settings)
            return (await visits.get(record_id, owner_ids)).account_id
        if kind is OwnerKind.TICKET:
            return (await build_tickets(session, settings).get(record_id, owner_ids)).account_id
        if kind is OwnerKind.OPPORTUNITY:
            opportunities = build_opportunities(session, settings)
            return (await opportunities.get(record_id, owner_ids)).account_id
        return (await build_bids(session, settings).get(record_id, owner_ids)).account_id

    return account_of


def build_attachments(
    session: AsyncSession,
    settings: ClientsSettings,
    session_factory: async_sessionmaker[AsyncSession],
) -> AttachmentService:
    """Attachments on a session; ``session_factory`` reads PostgreSQL-kept bytes while a
    download streams (after the request's own session is done)."""
    return AttachmentService(
        AttachmentRepository(session),
        attachment_storage(settings, session_factory),
        audit_trail(session),
        attachment_owners(session, settings),
        max_bytes=settings.attachment_max_bytes,
        content_types=settings.attachment_content_types,
        now=utc_now,
    )


def build_competitor_presences(
    session: AsyncSession, settings: ClientsSettings
) -> CompetitorPresenceService:
    return CompetitorPresenceService(
        CompetitorPresenceRepository(session),
        AccountRepository(session),
        audit_trail(session),
        today=company_today(settings.timezone),
        timezone=settings.timezone,
    )


def build_metrics(session: AsyncSession, settings: ClientsSettings) -> MetricsService:
    return MetricsService(
        MetricsRepository(session), currency=settings.base_currency, timezone=settings.timezone
    )


def build_receivables(session: AsyncSession, settings: ClientsSettings) -> ReceivablesService:
    return ReceivablesService(
        AccountRepository(session),
        ReceivablesRepository(session),
        build_rates(session, settings),
        audit_trail(session),
        base=settings.base_currency,
        today=company_today(settings.timezone),
        on_paid_off=LinesPaidOff(session),
    )


def build_write_offs(session: AsyncSession, settings: ClientsSettings) -> WriteOffService:
    return WriteOffService(
        AccountRepository(session),
        ReceivablesRepository(session),
        audit_trail(session),
        base=settings.base_currency,
        today=company_today(settings.timezone),
        read=build_receivables(session, settings).payment_read,
        on_paid_off=LinesPaidOff(session),
    )


def build_erp_ingest(session: AsyncSession, settings: ClientsSettings) -> ErpIngest:
    return ErpIngest(
        ReceivablesRepository(session),
        ErpReferences(session),
        build_rates(session, settings),
        audit_trail(session),
        base=settings.base_currency,
        on_paid_off=LinesPaidOff(session),
        on_changed=ReceivablesChanged(build_grading(session, settings)),
        on_applied=ErpEventApplied(WorkItemOutbox(session)),
    )


def build_surveys(session: AsyncSession, settings: ClientsSettings) -> SurveyService:
    return SurveyService(
        AccountRepository(session),
        ContactRepository(session),
        SurveyRepository(session),
        audit_trail(session),
        today=company_today(settings.timezone),
    )


def build_tickets(session: AsyncSession, settings: ClientsSettings) -> TicketService:
    """The ticket service on a session."""
    return TicketService(
        AccountRepository(session),
        ContactRepository(session),
        OrgRepository(session),
        TicketRepository(session),
        build_calendar(session, settings),
        audit_trail(session),
        now=utc_now,
        zone=ZoneInfo(settings.timezone),
        reopen_window=timedelta(days=settings.ticket_reopen_days),
        service_queues=settings.service_queues,
        on_finished=TicketFinished(WorkItemOutbox(session)),
    )


def build_breach_check(session: AsyncSession) -> BreachCheck:
    """The breach check on a session (the periodic job uses it outside a request)."""
    return BreachCheck(
        TicketRepository(session),
        OrgRepository(session),
        audit_trail(session),
        now=utc_now,
        on_escalated=TicketEscalated(WorkItemQueries(session), WorkItemOutbox(session)),
    )


def build_sla_policies(session: AsyncSession) -> SlaPolicyService:
    return SlaPolicyService(TicketRepository(session), audit_trail(session))


def build_visit_service(session: AsyncSession, settings: ClientsSettings) -> VisitService:
    return VisitService(
        AccountRepository(session),
        VisitRepository(session),
        build_visit_planner(session, settings),
        audit_trail(session),
        today=company_today(settings.timezone),
        on_settled=VisitSettled(
            WorkItemQueries(session), WorkItemOutbox(session), company_today(settings.timezone)
        ),
    )


def build_contact_schedule(
    session: AsyncSession, settings: ClientsSettings
) -> ContactScheduleService:
    return ContactScheduleService(
        AccountRepository(session),
        ContactTouchRepository(session),
        VisitRepository(session),
        audit_trail(session),
        today=company_today(settings.timezone),
    )


def build_work_item_rounds(session: AsyncSession, settings: ClientsSettings) -> WorkItemRounds:
    """The time-based work-item producers on a session (the periodic job uses them)."""
    return WorkItemRounds(
        WorkItemQueries(session),
        WorkItemOutbox(session),
        RoundSettings(
            timezone=settings.timezone,
            imminent_window=timedelta(minutes=settings.sla_imminent_minutes),
            birthday_days_ahead=settings.birthday_notice_days,
            renewal_notice_days=settings.contract_renewal_notice_days,
            erp_pending_hours=settings.erp_pending_hours,
            finance_departments=settings.finance_departments,
        ),
    )


# --- route dependencies: one per service, named after it -----------------------------------


async def account_service(session: SessionDep, settings: SettingsDep) -> AccountService:
    return build_accounts(session, settings)


async def duplicate_service(session: SessionDep, settings: SettingsDep) -> DuplicateService:
    return build_duplicates(session, settings)


async def assessment_service(session: SessionDep, settings: SettingsDep) -> AssessmentService:
    return build_assessments(session, settings)


async def calendar_service(session: SessionDep, settings: SettingsDep) -> BusinessCalendarService:
    return build_calendar(session, settings)


async def dunning_service(session: SessionDep, settings: SettingsDep) -> DunningService:
    return build_dunning(session, settings)


async def credit_limit_service(session: SessionDep, settings: SettingsDep) -> CreditLimitService:
    return build_credit_limits(session, settings)


async def contact_service(session: SessionDep, settings: SettingsDep) -> ContactService:
    return build_contacts(session, settings)


async def note_service(session: SessionDep) -> NoteService:
    return build_notes(session)


async def timeline_service(session: SessionDep) -> TimelineService:
    return build_timeline(session)


async def contract_service(session: SessionDep, settings: SettingsDep) -> ContractService:
    return build_contracts(session, settings)


async def catalogue_service(session: SessionDep) -> CatalogueService:
    return build_catalogue(session)


async def competitor_register(session: SessionDep) -> CompetitorRegister:
    return build_competitor_register(session)


async def pipeline_service(session: SessionDep) -> PipelineService:
    return build_pipeline(session)


async def pipeline_reports(
    request: Request, session: SessionDep, settings: SettingsDep
) -> PipelineReports:
    return build_pipeline_reports(session, settings, getattr(request.app.state, "kpi_client", None))


async def opportunity_service(session: SessionDep, settings: SettingsDep) -> OpportunityService:
    return build_opportunities(session, settings)


async def credit_service(session: SessionDep, settings: SettingsDep) -> CreditService:
    return build_credit(session, settings)


async def approval_service(session: SessionDep, settings: SettingsDep) -> ApprovalService:
    return build_approvals(session, settings)


async def quotation_service(session: SessionDep, settings: SettingsDep) -> QuotationService:
    return build_quotations(session, settings)


async def bid_service(session: SessionDep, settings: SettingsDep) -> BidService:
    return build_bids(session, settings)


async def attachment_service(
    request: Request, session: SessionDep, settings: SettingsDep
) -> AttachmentService:
    factory = getattr(request.app.state, "read_session_factory", None)
    return build_attachments(session, settings, factory or request.app.state.session_factory)


async def competitor_presence_service(
    session: SessionDep, settings: SettingsDep
) -> CompetitorPresenceService:
    return build_competitor_presences(session, settings)


async def approval_viewer(principal: Caller, session: SessionDep) -> Viewer:
    """Who asks about above-authority requests: his people are himself and his reporting
    subtree in the org copy; administrators and the department manager (the top of every
    line, who sees every account) see every request."""
    is_admin = Role.ADMIN in principal.roles
    is_department_manager = Role.DEPT_MANAGER in principal.roles
    me = principal.employee_id
    people: Collection[int] | None
    if is_admin or is_department_manager:
        people = None
    elif me is None:
        people = frozenset()
    else:
        people = frozenset(await OrgRepository(session).subtree(me)) | {me}
    return Viewer(
        employee_id=me,
        people=people,
        is_department_manager=is_department_manager,
        is_admin=is_admin,
    )


async def dispute_service(session: SessionDep, settings: SettingsDep) -> DisputeService:
    return build_disputes(session, settings)


async def dispute_viewer(principal: Caller, session: SessionDep) -> DisputeViewerOf:
    """Who asks about ownership disputes: his people are himself and his reporting subtree
    in the org copy; administrators and department managers see every dispute and decide
    those without a common manager."""
    everyone = Role.ADMIN in principal.roles or Role.DEPT_MANAGER in principal.roles
    me = principal.employee_id
    people: Collection[int] | None
    if everyone:
        people = None
    elif me is None:
        people = frozenset()
    else:
        people = frozenset(await OrgRepository(session).subtree(me)) | {me}
    return DisputeViewerOf(employee_id=me, people=people, may_arbitrate_any=everyone)


async def grading_service(session: SessionDep, settings: SettingsDep) -> GradingService:
    return build_grading(session, settings)


async def metrics_service(session: SessionDep, settings: SettingsDep) -> MetricsService:
    return build_metrics(session, settings)


async def ownership_service(session: SessionDep) -> OwnershipService:
    return build_ownership(session)


async def rate_service(session: SessionDep, settings: SettingsDep) -> RateService:
    return build_rates(session, settings)


async def receivables_service(session: SessionDep, settings: SettingsDep) -> ReceivablesService:
    return build_receivables(session, settings)


async def write_off_service(session: SessionDep, settings: SettingsDep) -> WriteOffService:
    return build_write_offs(session, settings)


async def erp_ingest(session: SessionDep, settings: SettingsDep) -> ErpIngest:
    return build_erp_ingest(session, settings)


def build_bulk_applier(session: AsyncSession, settings: ClientsSettings) -> BulkApplier:
    return BulkApplier(
        BatchRepository(session),
        build_rates(session, settings),
        audit_trail(session),
        base=settings.base_currency,
        on_paid_off=LinesPaidOff(session),
        on_changed=ReceivablesChanged(build_grading(session, settings)),
        now=lambda: datetime.now(UTC),
    )


def build_erp_batcher(app_state: Any) -> ErpBatcher:
    """The app's batcher: each batch, and each delivery applied alone, in a transaction of
    its own on the app's sessions (read when used: tests swap the factory)."""

    async def together(deliveries: Sequence[Delivery]) -> BatchOutcome:
        async with app_state.session_factory() as session:
            outcome = await build_bulk_applier(session, app_state.settings).apply(deliveries)
            await session.commit()
        return outcome

    async def alone(delivery: Delivery) -> DeliveryReceipt:
        async with app_state.session_factory() as session:
            ingest = build_erp_ingest(session, app_state.settings)
            receipt = await ingest.receive(delivery.webhook_id, delivery.event, delivery.payload)
            await session.commit()
        return receipt

    return ErpBatcher(together, alone)


async def erp_batcher(request: Request) -> ErpBatcher:
    """Made on first use, one per app."""
    state = request.app.state
    batcher: ErpBatcher | None = getattr(state, "erp_batcher", None)
    if batcher is None:
        state.erp_batcher = batcher = build_erp_batcher(state)
    return batcher


async def survey_service(session: SessionDep, settings: SettingsDep) -> SurveyService:
    return build_surveys(session, settings)


async def team_service(session: SessionDep, settings: SettingsDep) -> TeamService:
    return build_teams(session, settings)


async def ticket_service(session: SessionDep, settings: SettingsDep) -> TicketService:
    return build_tickets(session, settings)


async def breach_check(session: SessionDep) -> BreachCheck:
    return build_breach_check(session)


async def sla_policy_service(session: SessionDep) -> SlaPolicyService:
    return build_sla_policies(session)


async def visit_service(session: SessionDep, settings: SettingsDep) -> VisitService:
    return build_visit_service(session, settings)


def build_my_day(session: AsyncSession, settings: ClientsSettings) -> MyDayService:
    """A person's day: the visit, ticket and receivable lists on one session."""
    return MyDayService(
        build_visit_service(session, settings),
        build_tickets(session, settings),
        build_receivables(session, settings),
        MyDayRepository(session),
        company_today(settings.timezone),
    )


async def my_day_service(session: SessionDep, settings: SettingsDep) -> MyDayService:
    return build_my_day(session, settings)


async def contact_schedule_service(
    session: SessionDep, settings: SettingsDep
) -> ContactScheduleService:
    return build_contact_schedule(session, settings)


async def work_item_rounds(session: SessionDep, settings: SettingsDep) -> WorkItemRounds:
    return build_work_item_rounds(session, settings)


async def account_repository(session: SessionDep) -> AccountRepository:
    return AccountRepository(session)


AccountServiceDep = Annotated[AccountService, Depends(account_service)]
DuplicateServiceDep = Annotated[DuplicateService, Depends(duplicate_service)]
AssessmentServiceDep = Annotated[AssessmentService, Depends(assessment_service)]
CalendarServiceDep = Annotated[BusinessCalendarService, Depends(calendar_service)]
DunningServiceDep = Annotated[DunningService, Depends(dunning_service)]
CreditLimitServiceDep = Annotated[CreditLimitService, Depends(credit_limit_service)]
ContactServiceDep = Annotated[ContactService, Depends(contact_service)]
ContractServiceDep = Annotated[ContractService, Depends(contract_service)]
NoteServiceDep = Annotated[NoteService, Depends(note_service)]
TimelineServiceDep = Annotated[TimelineService, Depends(timeline_service)]
CreditServiceDep = Annotated[CreditService, Depends(credit_service)]
CatalogueServiceDep = Annotated[CatalogueService, Depends(catalogue_service)]
CompetitorRegisterDep = Annotated[CompetitorRegister, Depends(competitor_register)]
PipelineServiceDep = Annotated[PipelineService, Depends(pipeline_service)]
OpportunityServiceDep = Annotated[OpportunityService, Depends(opportunity_service)]
PipelineReportsDep = Annotated[PipelineReports, Depends(pipeline_reports)]
ApprovalServiceDep = Annotated[ApprovalService, Depends(approval_service)]
QuotationServiceDep = Annotated[QuotationService, Depends(quotation_service)]
BidServiceDep = Annotated[BidService, Depends(bid_service)]
AttachmentServiceDep = Annotated[AttachmentService, Depends(attachment_service)]
CompetitorPresenceServiceDep = Annotated[
    CompetitorPresenceService, Depends(competitor_presence_service)
]
ApprovalViewer = Annotated[Viewer, Depends(approval_viewer)]
DisputeServiceDep = Annotated[DisputeService, Depends(dispute_service)]
DisputeViewer = Annotated[DisputeViewerOf, Depends(dispute_viewer)]
GradingServiceDep = Annotated[GradingService, Depends(grading_service)]
MetricsServiceDep = Annotated[MetricsService, Depends(metrics_service)]
OwnershipServiceDep = Annotated[OwnershipService, Depends(ownership_service)]
RateServiceDep = Annotated[RateService, Depends(rate_service)]
ReceivablesServiceDep = Annotated[ReceivablesService, Depends(receivables_service)]
WriteOffServiceDep = Annotated[WriteOffService, Depends(write_off_service)]
ErpIngestDep = Annotated[ErpIngest, Depends(erp_ingest)]
ErpBatcherDep = Annotated[ErpBatcher, Depends(erp_batcher)]


async def erp_webhook_secrets(request: Request, settings: SettingsDep) -> list[str]:
    """Every secret an ERP delivery may be signed with now (setting and API-added), read
    on a session of its own: the delivery then waits for its batch holding no connection."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.read_session_factory
    async with factory() as session:
        return await verifying_secrets(session, settings)


ErpWebhookSecretsDep = Annotated[list[str], Depends(erp_webhook_secrets)]
SurveyServiceDep = Annotated[SurveyService, Depends(survey_service)]
TeamServiceDep = Annotated[TeamService, Depends(team_service)]
TicketServiceDep = Annotated[TicketService, Depends(ticket_service)]
BreachCheckDep = Annotated[BreachCheck, Depends(breach_check)]
SlaPolicyServiceDep = Annotated[SlaPolicyService, Depends(sla_policy_service)]
VisitServiceDep = Annotated[VisitService, Depends(visit_service)]
MyDayServiceDep = Annotated[MyDayService, Depends(my_day_service)]
ContactScheduleServiceDep = Annotated[ContactScheduleService, Depends(contact_schedule_service)]
WorkItemRoundsDep = Annotated[WorkItemRounds, Depends(work_item_rounds)]
AccountRepositoryDep = Annotated[AccountRepository, Depends(account_repository)]

"""The clients service: key-account records, service work and receivables."""

from __future__ import annotations

from fastapi import FastAPI

from services.clients.accounts.exchange_router import router as account_files_router
from services.clients.accounts.router import router as accounts_router
from services.clients.approvals.router import router as approvals_router
from services.clients.assessments.router import router as assessments_router
from services.clients.attachments.router import router as attachments_router
from services.clients.audit.denials import record_denial
from services.clients.audit.router import router as audit_router
from services.clients.bids.router import router as bids_router
from services.clients.calendar.router import router as calendar_router
from services.clients.catalogue.router import router as catalogue_router
from services.clients.collection.credit_router import router as credit_limits_router
from services.clients.collection.router import router as collection_router
from services.clients.competitors.presence_router import router as competitor_presences_router
from services.clients.competitors.register_router import router as competitor_register_router
from services.clients.contacts.router import router as contacts_router
from services.clients.contracts.router import router as contracts_router
from services.clients.credit.router import router as credit_router
from services.clients.disputes.router import router as disputes_router
from services.clients.duplicates.router import router as duplicates_router
from services.clients.erp.events import EVENT
from services.clients.erp.events_router import router as erp_events_router
from services.clients.erp.router import router as erp_sync_router
from services.clients.erp.sync import erp_sync_lifespan
from services.clients.grading.router import router as grading_router
from services.clients.housekeeping import housekeeping_lifespan
from services.clients.jobs import (
    dunning_lifespan,
    outbox_lifespan,
    reconciliation_lifespan,
    regrading_lifespan,
    sla_check_lifespan,
    work_items_lifespan,
)
from services.clients.metrics.router import router as metrics_router
from services.clients.my_day.router import router as my_day_router
from services.clients.notes.router import router as notes_router
from services.clients.opportunities.router import router as opportunities_router
from services.clients.opportunities.stages_router import router as pipeline_stages_router
from services.clients.org.router import router as org_router
from services.clients.org.upstream import staff_client_lifespan
from services.clients.ownership.router import router as ownership_router
from services.clients.pipeline.router import router as pipeline_router
from services.clients.pipeline.targets import kpi_client_lifespan
from services.clients.quotations.router import router as quotations_router
from services.clients.rates.router import router as rates_router
from services.clients.receivables.models import ClientsIdempotencyKey
from services.clients.receivables.router import router as receivables_router
from services.clients.settings import ClientsSettings
from services.clients.surveys.router import router as surveys_router
from services.clients.teams.router import router as teams_router
from services.clients.tickets.router import router as tickets_router
from services.clients.timeline.router import router as timeline_router
from services.clients.visits.router import router as visits_router
from services.clients.visits.schedule_router import router as contact_schedule_router
from services.clients.workitems.outbox import CLIENTS_OUTBOX
from services.clients.workitems.router import router as work_items_router
from shared.contract_shape import document_models
from shared.service_app import create_service_app

TAGS = [
    {"name": "accounts", "description": "大客户: key-account records, classification, grade."},
    {
        "name": "account-duplicates",
        "description": "重复客户: likely duplicates, the duplicate report, merges and their undo.",
    },
    {"name": "grading", "description": "客户分级: computed grade, overrides, history."},
    {"name": "credit", "description": "信用分数: adjustments within authority, history."},
    {"name": "contacts", "description": "联系人: people at accounts and their roles."},
    {
        "name": "ownership",
        "description": "客户归属: transfers, handovers, history, ownership disputes (撞单).",
    },
    {"name": "visits", "description": "拜访计划/拜访记录: yearly plans by grade, visits, overdue."},
    {"name": "contact-schedule", "description": "联络计划: calls, greetings and care per contact."},
    {"name": "assessments", "description": "需求分析/关系评估: dated, scored assessments."},
    {"name": "contracts", "description": "合同: drafts, signing, termination, renewal chains."},
    {"name": "exchange-rates", "description": "汇率: date-effective rates to the base currency."},
    {"name": "surveys", "description": "满意度调查: satisfaction score per account and period."},
    {"name": "receivables", "description": "应收/回款: invoices, payments, ERP events, ageing."},
    {
        "name": "collection",
        "description": "催款/信用额度: dunning runs, collection tasks, credit limits, exposure.",
    },
    {"name": "metrics", "description": "KPI 取数: the period's facts per employee, in batches."},
    {"name": "tickets", "description": "服务工单/投诉: tickets, SLA deadlines, escalation."},
    {
        "name": "my-day",
        "description": "我的一天: a person's visits, tickets, overdue invoices, birthdays and "
        "renewals in one call.",
    },
    {"name": "business-calendar", "description": "工作日历: holidays and make-up working days."},
    {"name": "clients-audit", "description": "审计: every change to accounts and their children."},
    {"name": "clients-org", "description": "Internal: the read-only copy of staff's organisation."},
    {"name": "work-items", "description": "待办: the round posting time-based items to the inbox."},
    {"name": "catalogue", "description": "产品/服务目录: products and services with list prices."},
    {"name": "competitors", "description": "竞争对手: the register of competitors."},
    {
        "name": "opportunities",
        "description": "销售机会: pipeline stages, opportunities, stage history, won and lost.",
    },
    {
        "name": "attachments",
        "description": "附件: files on accounts, contracts, visits, tickets, opportunities and "
        "bids (streamed up and down, checksummed).",
    },
    {
        "name": "pipeline",
        "description": "销售预测/销售机会报表: forecast against targets, conversion, stuck deals.",
    },
    {"name": "notes", "description": "跟进记录/备注: notes on an account, by their author."},
    {"name": "timeline", "description": "客户动态: everything that happened to an account."},
]


def create_app(settings: ClientsSettings | None = None) -> FastAPI:
    """Build the clients service app."""
    settings = settings or ClientsSettings()
    app = create_service_app(
        settings,
        idempotency_keys=ClientsIdempotencyKey,
        title="KAM clients service",
        description="Key-account records (客户档案): accounts, contacts, visits, tickets, "
        "contracts and receivables.",
        # account_files_router before accounts_router: /export must not match /{account_id}
        routers=[
            account_files_router,
            accounts_router,
            duplicates_router,
            grading_router,
            credit_router,
            approvals_router,
            contacts_router,
            ownership_router,
            disputes_router,
            teams_router,
            visits_router,
            contact_schedule_router,
            assessments_router,
            contracts_router,
            quotations_router,
            bids_router,
            competitor_presences_router,
            rates_router,
            receivables_router,
            erp_sync_router,
            erp_events_router,
            collection_router,
            credit_limits_router,
            surveys_router,
            metrics_router,
            tickets_router,
            my_day_router,
            calendar_router,
            audit_router,
            org_router,
            work_items_router,
            catalogue_router,
            competitor_register_router,
            pipeline_stages_router,
            opportunities_router,
            pipeline_router,
            attachments_router,
            notes_router,
            timeline_router,
        ],
        openapi_tags=TAGS,
        on_access_denied=record_denial,
        lifespans=[
            staff_client_lifespan(settings),
            kpi_client_lifespan(settings),
            regrading_lifespan(settings),
            sla_check_lifespan(settings),
            dunning_lifespan(settings),
            erp_sync_lifespan(settings),
            housekeeping_lifespan(settings),
            outbox_lifespan(settings),
            work_items_lifespan(settings),
            reconciliation_lifespan(settings),
        ],
    )
    # The backlog of work items not yet delivered to staff, counted when Prometheus scrapes.
    app.state.metrics.watch_outbox(lambda: app.state.engine, CLIENTS_OUTBOX)
    # The ERP's event is read by its route itself (the signature is checked on the raw body
    # first); the contract still types it, as a oneOf on `type`.
    document_models(app, "clients", {"ErpEvent": EVENT})
    return app

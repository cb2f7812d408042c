"""Settings of the clients service (prefix ``CLIENTS_``)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.clients.accounts.rules import GradeThresholds
from services.clients.attachments.rules import AttachmentStorageKind
from services.clients.calendar.rules import business_hours
from services.clients.collection.rules import dunning_policy
from services.clients.credit.rules import AuthorityPeriod
from services.clients.pipeline.rules import ForecastPolicy
from services.clients.receivables.rules import RuleViolation, ageing_buckets
from services.clients.visits.rules import visit_frequencies
from shared.settings import ServiceSettings
from shared.webhooks import secret_key


class ClientsSettings(ServiceSettings):
    """The clients service: key-account records, service work, receivables."""

    model_config = SettingsConfigDict(env_prefix="CLIENTS_", extra="ignore", frozen=True)

    service_name: str = "clients"
    port: int = 8001
    db_row_reader_size: Annotated[int, Field(ge=0)] = 10  # get account by id
    staff_url: str = "http://127.0.0.1:8002"
    kpi_url: str = "http://127.0.0.1:8003"

    # 销售预测 (pipeline reports): open opportunities at or above these probabilities (or
    # in the commit stages, JSON list) count as commit / best case; a stage held longer than
    # the ageing days is stuck; targets are the month targets of the KPI target plans of
    # the indicator coded forecast_target_indicator, read from kpi (its answer waited for
    # at most forecast_targets_timeout_seconds; without it the report answers, targets null).
    forecast_commit_probability: int = Field(default=75, ge=0, le=100)
    forecast_best_case_probability: int = Field(default=50, ge=0, le=100)
    forecast_commit_stages: list[str] = Field(
        default_factory=lambda: ["negotiation"], max_length=20
    )
    forecast_target_indicator: str = Field(default="sales_attainment", min_length=1, max_length=40)
    forecast_targets_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    pipeline_stuck_days: int = Field(default=30, ge=1, le=3650)

    # 撞单保护期: an owner's protection against another manager's claim on his account lasts
    # this many days after the last activity on it (disputes.repository.LAST_ACTIVITY);
    # once lapsed, a claim is granted at once, else the two managers' lowest common manager
    # arbitrates.
    ownership_protection_days: int = Field(default=90, ge=0, le=3650)
    # 重复客户: names at least this alike (0–100, services.clients.duplicates.rules.similarity)
    # are likely duplicates, asked about before a second account is made and listed in the
    # duplicate report; a merge can be undone for this many days.
    duplicate_name_threshold: int = Field(default=90, ge=50, le=100)
    account_merge_undo_days: int = Field(default=30, ge=0, le=3650)

    # 客户分级: minimum trailing-12-month signed contract value (base currency) per grade.
    grade_a_threshold: Decimal = Decimal("5000000")
    grade_b_threshold: Decimal = Decimal("1000000")
    grade_s_threshold: Decimal | None = None
    grade_recompute_interval_seconds: float = Field(default=3600.0, ge=0)

    # 信用分数调整权限: a position's credit authority is a limit per account per period
    # (month, quarter or year in the company's zone), summed over one actor's adjustments.
    credit_authority_period: AuthorityPeriod = AuthorityPeriod.MONTH

    # 服务水平协议 (tickets): business hours in the company zone, breach check, reopening.
    business_opens_at: time = time(9)
    business_closes_at: time = time(18)
    lunch_break_starts_at: time | None = time(12)
    lunch_break_ends_at: time | None = time(13)
    sla_check_interval_seconds: float = Field(default=60.0, ge=0)
    ticket_reopen_days: int = Field(default=30, ge=0, le=3650)
    # 服务队列: the staff departments that are service teams (售后支持组 …), as a JSON list
    # of department ids in CLIENTS_SERVICE_QUEUES. A ticket may be queued to one and picked
    # up by its members; anyone may name their active members as handler or team member.
    service_queues: list[int] = Field(default_factory=list, max_length=100)
    # 拜访频率: how often each grade is visited (monthly, bimonthly, quarterly, half_yearly,
    # yearly), as JSON in CLIENTS_VISIT_FREQUENCIES.
    visit_frequencies: dict[str, str] = Field(
        default_factory=lambda: {
            "S": "monthly", "A": "monthly", "B": "quarterly", "C": "half_yearly"
        }
    )  # fmt: skip

    # 应收/回款 (receivables): ERP webhook secrets (JSON list, several while rotating; the
    # API key scope "erp:write" is checked as well), the signature's time window, and the
    # ageing buckets as JSON [{"code": "current", "min_days": null, "max_days": 0}, …].
    erp_webhook_secrets: list[str] = Field(default_factory=list, max_length=8)
    erp_webhook_tolerance_seconds: int = Field(default=300, gt=0, le=3600)
    idempotency_purge_interval_seconds: float = Field(default=3600.0, ge=0)
    # Work items staff confirmed are deleted from the outbox after this many hours (the
    # hourly housekeeping round); failed ones stay for an administrator's retry.
    outbox_retention_hours: float = Field(default=168.0, ge=1)
    ageing_buckets: list[dict[str, Any]] | None = None

    # 催款 (dunning): levels as JSON [{"level": 1, "days_overdue": -3, "channel": "call",
    # "escalate": false}, …] (default collection.rules.DEFAULT_DUNNING_CONFIG), the run's
    # interval (0 = off; POST /v1/clients/dunning/run runs it on demand), days a new
    # collection task is due in; and the grade cap: a client with an open line more than
    # this many days overdue is graded at most B (null = no cap).
    dunning_levels: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    dunning_run_interval_seconds: float = Field(default=3600.0, ge=0)
    dunning_task_due_days: int = Field(default=3, ge=0, le=90)
    grade_cap_overdue_days: int | None = Field(default=90, ge=0, le=3650)

    @model_validator(mode="after")
    def _dunning_levels_are_valid(self) -> ClientsSettings:
        try:  # the policy itself is built by collection.rules.dunning_policy
            dunning_policy(self.dunning_levels)
        except RuleViolation as exc:
            raise ValueError(f"dunning_levels: {exc}") from None
        return self

    # ERP pull sync (erp/sync.py): base URL (None = off), the key the ERP gave
    # us, bounds of every call, retries, the circuit breaker, and rounds' size.
    erp_base_url: str | None = Field(default=None, pattern=r"^https?://")
    erp_api_key: SecretStr | None = None
    erp_sync_interval_seconds: float = Field(default=60.0, ge=0)
    erp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    erp_max_response_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    erp_page_size: int = Field(default=100, ge=1, le=1000)
    erp_max_pages_per_round: int = Field(default=50, ge=1, le=10_000)
    erp_retries: int = Field(default=2, ge=0, le=10)
    erp_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    erp_max_backoff_seconds: float = Field(default=10.0, ge=0, le=600)
    erp_breaker_failures: int = Field(default=5, ge=1, le=1000)
    erp_breaker_cooldown_seconds: float = Field(default=300.0, ge=0, le=86_400)

    # 待办 (work items for staff's inbox, issue 24): the outbox dispatcher that delivers
    # them to staff (off: they wait in clients.outbox), and the time-based round
    # (services.clients.jobs.work_items_once; 0 = off) with its time rules. Finance
    # people are the account's finance liaisons (account team), else the active people of
    # CLIENTS_FINANCE_DEPARTMENTS (a JSON list of staff department ids).
    outbox_dispatcher_enabled: bool = True
    outbox_poll_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=50, gt=0)
    outbox_max_attempts: int = Field(default=30, gt=0)
    outbox_backoff_seconds: float = Field(default=0.5, gt=0)
    outbox_max_backoff_seconds: float = Field(default=300.0, gt=0)
    work_items_interval_seconds: float = Field(default=900.0, ge=0)
    sla_imminent_minutes: int = Field(default=60, ge=1, le=10_080)
    birthday_notice_days: int = Field(default=3, ge=0, le=60)
    contract_renewal_notice_days: int = Field(default=30, ge=0, le=365)
    erp_pending_hours: float = Field(default=4.0, gt=0, le=720)

    # 附件 (attachments of accounts, contracts, visits, tickets, opportunities and bids):
    # the largest file, the content types accepted (JSON list; a type ending in "/*" takes
    # its whole family), and where the bytes go: "postgres" (chunks of
    # attachment_chunk_bytes in clients.attachment_chunks, so backups hold them) or "s3"
    # (an S3-compatible bucket: endpoint, bucket, keys, region; parts of at least 5 MiB).
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1, le=5 * 1024**3)
    attachment_content_types: list[str] = Field(
        default_factory=lambda: [
            "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp",
            "text/plain", "text/csv", "application/zip",
            "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/ofd",
        ],
        min_length=1,
        max_length=100,
    )  # fmt: skip
    attachment_storage: AttachmentStorageKind = AttachmentStorageKind.POSTGRES
    attachment_chunk_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    attachment_s3_endpoint: str | None = Field(default=None, pattern=r"^https?://")
    attachment_s3_bucket: str | None = Field(default=None, min_length=3, max_length=63)
    attachment_s3_region: str = Field(default="us-east-1", min_length=1, max_length=40)
    attachment_s3_access_key: SecretStr | None = None
    attachment_s3_secret_key: SecretStr | None = None
    attachment_s3_part_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)

    @model_validator(mode="after")
    def _attachment_storage_is_complete(self) -> ClientsSettings:
        if self.attachment_storage is AttachmentStorageKind.S3 and not (
            self.attachment_s3_bucket
            and self.attachment_s3_access_key
            and self.attachment_s3_secret_key
        ):
            raise ValueError(
                "attachment_storage 's3' needs attachment_s3_bucket, attachment_s3_access_key "
                "and attachment_s3_secret_key"
            )
        return self

    reconciliation_interval_seconds: float = Field(default=86_400.0, ge=0)
    finance_departments: list[int] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _receivables_settings_are_valid(self) -> ClientsSettings:
        ageing_buckets(self.ageing_buckets)  # raises on gaps, overlaps or open middles
        for secret in self.erp_webhook_secrets:
            secret_key(secret)  # raises on a secret that is not whsec_<base64> of 24+ bytes
        return self

    @model_validator(mode="after")
    def _forecast_policy_is_consistent(self) -> ClientsSettings:
        forecast_policy(self)
        return self

    @model_validator(mode="after")
    def _grade_thresholds_are_consistent(self) -> ClientsSettings:
        GradeThresholds(  # raises on thresholds that are not S > A > B > 0
            a=self.grade_a_threshold, b=self.grade_b_threshold, s=self.grade_s_threshold
        )
        return self

    @model_validator(mode="after")
    def _business_hours_are_consistent(self) -> ClientsSettings:
        business_hours(
            self.timezone,
            self.business_opens_at,
            self.business_closes_at,
            self.lunch_break_starts_at,
            self.lunch_break_ends_at,
        )  # raises on hours out of order or a lunch break outside them
        return self

    @model_validator(mode="after")
    def _visit_frequencies_are_known(self) -> ClientsSettings:
        visit_frequencies(self.visit_frequencies)  # raises on an unknown grade or frequency
        return self


def forecast_policy(settings: ClientsSettings) -> ForecastPolicy:
    """The commit / best-case rule from the settings (refused at load when inconsistent)."""
    return ForecastPolicy(
        commit_probability=settings.forecast_commit_probability,
        best_case_probability=settings.forecast_best_case_probability,
        commit_stages=frozenset(settings.forecast_commit_stages),
    )

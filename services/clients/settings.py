"""Settings of the clients service (prefix ``CLIENTS_``)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.clients.accounts.rules import Grade, GradeThresholds, PaymentBehaviourCap
from services.clients.calendar.rules import BusinessCalendar
from services.clients.collection.rules import (
    DEFAULT_DUNNING_CONFIG,
    DunningPolicy,
    dunning_policy_from_config,
)
from services.clients.receivables.rules import (
    DEFAULT_AGEING_BUCKETS,
    AgeingBucket,
    RuleViolation,
    validate_ageing_buckets,
)
from services.clients.visits.rules import VisitFrequency
from shared.settings import ServiceSettings
from shared.webhooks import secret_key


class ClientsSettings(ServiceSettings):
    """The clients service: key-account records, service work, receivables."""

    model_config = SettingsConfigDict(env_prefix="CLIENTS_", extra="ignore", frozen=True)

    service_name: str = "clients"
    port: int = 8001
    db_row_reader_size: Annotated[int, Field(ge=0)] = 10  # get account by id
    staff_url: str = "http://127.0.0.1:8002"

    # 客户分级: minimum trailing-12-month signed contract value (base currency) per grade.
    grade_a_threshold: Decimal = Decimal("5000000")
    grade_b_threshold: Decimal = Decimal("1000000")
    grade_s_threshold: Decimal | None = None
    grade_recompute_interval_seconds: float = Field(default=3600.0, ge=0)

    # 服务水平协议 (tickets): business hours in the company zone, breach check, reopening.
    business_opens_at: time = time(9)
    business_closes_at: time = time(18)
    lunch_break_starts_at: time | None = time(12)
    lunch_break_ends_at: time | None = time(13)
    sla_check_interval_seconds: float = Field(default=60.0, ge=0)
    ticket_reopen_days: int = Field(default=30, ge=0, le=3650)
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
        self.dunning_policy()  # raises on levels out of order or an unknown channel
        return self

    def dunning_policy(self) -> DunningPolicy:
        """The dunning levels these settings describe (the defaults when unset)."""
        try:
            return dunning_policy_from_config(self.dunning_levels or DEFAULT_DUNNING_CONFIG)
        except RuleViolation as exc:
            raise ValueError(f"dunning_levels: {exc}") from None

    def payment_behaviour_cap(self) -> PaymentBehaviourCap | None:
        """The grade cap for payment behaviour (None when switched off)."""
        if self.grade_cap_overdue_days is None:
            return None
        return PaymentBehaviourCap(more_than_days=self.grade_cap_overdue_days)

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

    @model_validator(mode="after")
    def _receivables_settings_are_valid(self) -> ClientsSettings:
        self.ageing_bucket_list()  # raises on buckets with gaps, overlaps or open middles
        for secret in self.erp_webhook_secrets:
            secret_key(secret)  # raises on a secret that is not whsec_<base64> of 24+ bytes
        return self

    def ageing_bucket_list(self) -> tuple[AgeingBucket, ...]:
        """The ageing buckets these settings describe (the defaults when unset)."""
        if self.ageing_buckets is None:
            return DEFAULT_AGEING_BUCKETS
        try:
            buckets = [
                AgeingBucket(str(b["code"]), b.get("min_days"), b.get("max_days"))
                for b in self.ageing_buckets
            ]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"ageing_buckets: each bucket needs a code ({exc})") from None
        return validate_ageing_buckets(buckets)

    @model_validator(mode="after")
    def _grade_thresholds_are_consistent(self) -> ClientsSettings:
        self.grade_thresholds()  # raises on thresholds that are not S > A > B > 0
        return self

    @model_validator(mode="after")
    def _business_hours_are_consistent(self) -> ClientsSettings:
        self.business_hours()  # raises on hours out of order or a lunch break outside them
        return self

    def business_hours(self) -> BusinessCalendar:
        """The SLA calendar these settings describe, before public holidays."""
        lunch = None
        if self.lunch_break_starts_at is not None and self.lunch_break_ends_at is not None:
            lunch = (self.lunch_break_starts_at, self.lunch_break_ends_at)
        return BusinessCalendar(
            zone=ZoneInfo(self.timezone),
            opens_at=self.business_opens_at,
            closes_at=self.business_closes_at,
            lunch_break=lunch,
        )

    @model_validator(mode="after")
    def _visit_frequencies_are_known(self) -> ClientsSettings:
        self.visit_frequency_map()  # raises on an unknown grade or frequency
        return self

    def visit_frequency_map(self) -> dict[Grade, VisitFrequency]:
        """The visit frequency per grade these settings describe."""
        try:
            return {
                Grade(grade.upper()): VisitFrequency[frequency.upper()]
                for grade, frequency in self.visit_frequencies.items()
            }
        except (KeyError, ValueError) as exc:
            raise ValueError(
                f"visit_frequencies has an unknown grade or frequency: {exc}; grades are "
                "S, A, B, C and frequencies monthly, bimonthly, quarterly, half_yearly, yearly"
            ) from None

    def grade_thresholds(self) -> GradeThresholds:
        """The grading thresholds these settings describe."""
        return GradeThresholds(
            a=self.grade_a_threshold, b=self.grade_b_threshold, s=self.grade_s_threshold
        )

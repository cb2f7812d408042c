"""Settings of the clients service (prefix ``CLIENTS_``)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.clients.accounts.rules import Grade, GradeThresholds
from services.clients.receivables.rules import (
    DEFAULT_AGEING_BUCKETS,
    AgeingBucket,
    validate_ageing_buckets,
)
from services.clients.tickets.rules import BusinessCalendar
from services.clients.visits.rules import VisitFrequency
from shared.settings import ServiceSettings
from shared.webhooks import secret_key


class ClientsSettings(ServiceSettings):
    """The clients service: key-account records, service work, receivables."""

    model_config = SettingsConfigDict(env_prefix="CLIENTS_", extra="ignore", frozen=True)

    service_name: str = "clients"
    port: int = 8001
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

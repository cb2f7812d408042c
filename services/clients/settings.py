"""Settings of the clients service (prefix ``CLIENTS_``)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.clients.accounts.rules import GradeThresholds
from shared.settings import ServiceSettings


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

    @model_validator(mode="after")
    def _grade_thresholds_are_consistent(self) -> ClientsSettings:
        self.grade_thresholds()  # raises on thresholds that are not S > A > B > 0
        return self

    def grade_thresholds(self) -> GradeThresholds:
        """The grading thresholds these settings describe."""
        return GradeThresholds(
            a=self.grade_a_threshold, b=self.grade_b_threshold, s=self.grade_s_threshold
        )

"""Settings of the KPI service (prefix ``KPI_``)."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kpi.appraisals.rules import (
    DEFAULT_BONUS_COEFFICIENTS,
    DEFAULT_GRADE_SCALE,
    GradeScale,
)
from shared.money import ExactDecimal
from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    """The KPI service: indicators, templates, cycles, appraisals.

    Complex values are JSON in the environment, e.g.
    ``KPI_CALIBRATION_MAX_SHARE='{"S": "10", "A": "20"}'``.
    """

    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore", frozen=True)

    service_name: str = "kpi"
    port: int = 8003
    clients_url: str = "http://127.0.0.1:8001"
    staff_url: str = "http://127.0.0.1:8002"
    grade_scale: GradeScale = DEFAULT_GRADE_SCALE
    """Grade bands over the final score (S/A/B/C/D by default)."""
    bonus_coefficients: dict[str, ExactDecimal] = Field(
        default_factory=lambda: dict(DEFAULT_BONUS_COEFFICIENTS)
    )
    """Bonus coefficient (绩效奖金系数) per grade, shown per employee in the export."""
    calibration_max_share: dict[str, ExactDecimal] = Field(
        default_factory=lambda: {"S": Decimal(10), "A": Decimal(20)}
    )
    """Target distribution: the largest share (percent) of a department per grade."""
    calibration_enforce_distribution: bool = True
    """Refuse to lock a department whose grades exceed the target distribution."""
    org_resync_page_size: int = Field(default=200, gt=0, le=200)
    # The outbox of work items for people's inboxes (services/kpi/outbox_dispatch.py).
    outbox_dispatcher_enabled: bool = True
    outbox_poll_interval_seconds: Annotated[float, Field(gt=0)] = 1.0
    outbox_batch_size: Annotated[int, Field(gt=0)] = 50
    outbox_max_attempts: Annotated[int, Field(gt=0)] = 30
    outbox_backoff_seconds: Annotated[float, Field(gt=0)] = 0.5
    outbox_max_backoff_seconds: Annotated[float, Field(gt=0)] = 300.0

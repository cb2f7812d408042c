"""Settings of the KPI service (prefix ``KPI_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    """The KPI service: indicators, templates, cycles, appraisals."""

    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore", frozen=True)

    service_name: str = "kpi"
    port: int = 8003
    clients_url: str = "http://127.0.0.1:8001"
    staff_url: str = "http://127.0.0.1:8002"

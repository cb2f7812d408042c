"""Settings of the staff service (prefix ``STAFF_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class StaffSettings(ServiceSettings):
    """The staff service: departments, positions, employees, identity."""

    model_config = SettingsConfigDict(env_prefix="STAFF_", extra="ignore", frozen=True)

    service_name: str = "staff"
    port: int = 8002

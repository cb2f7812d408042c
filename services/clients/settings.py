"""Settings of the clients service (prefix ``CLIENTS_``)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ClientsSettings(ServiceSettings):
    """The clients service: key-account records, service work, receivables."""

    model_config = SettingsConfigDict(env_prefix="CLIENTS_", extra="ignore", frozen=True)

    service_name: str = "clients"
    port: int = 8001
    staff_url: str = "http://127.0.0.1:8002"

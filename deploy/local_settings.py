"""Settings of the local runner (``make run``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RunnerSettings(BaseSettings):
    """Where the local system runs and which database it uses."""

    model_config = SettingsConfigDict(env_prefix="KAM_", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    host: str = "127.0.0.1"
    gateway_port: int = Field(default=8000, validation_alias="GATEWAY_PORT")
    clients_port: int = Field(default=8001, validation_alias="CLIENTS_PORT")
    staff_port: int = Field(default=8002, validation_alias="STAFF_PORT")
    kpi_port: int = Field(default=8003, validation_alias="KPI_PORT")
    fake_erp_port: int = 8009
    """Where the fake ERP listens in demo mode (``KAM_FAKE_ERP_PORT``)."""
    smtp_port: int = 8025
    """The demo SMTP sink's SMTP port (``KAM_SMTP_PORT``): staff sends its e-mail there."""
    smtp_sink_port: int = 8026
    """Where the demo SMTP sink's mails are read: ``GET /mails`` (``KAM_SMTP_SINK_PORT``)."""
    embedded_pg_port: int = 54329
    data_dir: Path = Path(".data")
    database_name: str = "kam"
    load_demo: bool = True

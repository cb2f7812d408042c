"""Settings of the gateway (prefix ``GATEWAY_``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gateway.upstream import UpstreamClientKind
from shared.settings import BaseServiceSettings


class GatewaySettings(BaseServiceSettings):
    """The single entry point: where each service is, and how long to wait for it."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = 8000
    clients_url: str = "http://127.0.0.1:8001"
    staff_url: str = "http://127.0.0.1:8002"
    kpi_url: str = "http://127.0.0.1:8003"
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 2.0
    upstream_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_upstream_connections: Annotated[int, Field(gt=0)] = 200
    upstream_client: UpstreamClientKind = "aiohttp"
    """The proxy's HTTP client; httpx only to measure it against aiohttp (bench/README.md)."""
    openapi_cache_seconds: Annotated[float, Field(ge=0)] = 30.0
    public_url: str | None = None
    rate_limit_per_minute: Annotated[int, Field(ge=0)] = 1200
    rate_limit_burst: Annotated[int, Field(ge=1)] = 200
    api_key_cache_seconds: Annotated[float, Field(ge=0)] = 30.0
    cors_origins: list[str] = Field(default_factory=list)
    upload_max_bytes: Annotated[int, Field(gt=0)] = 20 * 1024 * 1024 + 64 * 1024
    """The body limit of upload routes (marked ``x-kam-body: upload`` in their service's
    contract); every other route keeps ``KAM_MAX_BODY_BYTES``. 20 MiB, the clients
    service's ``CLIENTS_ATTACHMENT_MAX_BYTES``, plus room for the multipart framing."""

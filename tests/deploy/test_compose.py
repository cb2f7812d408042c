"""docker-compose.yml cannot run here: check what can be checked by construction."""

from pathlib import Path

import yaml

from deploy.dbctl import SERVICE_SETTINGS
from deploy.processes import APPS
from gateway.settings import GatewaySettings
from shared.settings import BaseServiceSettings

COMPOSE = yaml.safe_load(Path("docker-compose.yml").read_text())
EXTERNAL_VARIABLES = {"PORT", "POSTGRES_DB", "POSTGRES_PASSWORD"}


def known_variables() -> set[str]:
    """Every environment variable one of our settings classes reads."""
    names: set[str] = set()
    for cls in [BaseServiceSettings, GatewaySettings, *SERVICE_SETTINGS.values()]:
        prefix = cls.model_config.get("env_prefix", "")
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias
            if alias is not None and hasattr(alias, "choices"):
                names.update(str(choice) for choice in alias.choices)
            elif isinstance(alias, str):
                names.add(alias)
            else:
                names.add(f"{prefix}{field_name}".upper())
    return names


def test_every_process_has_a_service_running_a_real_app() -> None:
    services = COMPOSE["services"]
    assert {"postgres", "migrate", *APPS} <= set(services)
    for app in APPS:
        assert services[app]["command"][0] == app


def test_every_variable_named_is_read_by_some_settings() -> None:
    known = known_variables() | EXTERNAL_VARIABLES
    for name, service in COMPOSE["services"].items():
        for variable in service.get("environment", {}):
            assert variable in known, f"{name} sets {variable}, which nothing reads"


def test_services_are_wired_to_each_other_by_their_real_variables() -> None:
    gateway = COMPOSE["services"]["gateway"]["environment"]
    assert gateway["GATEWAY_CLIENTS_URL"].endswith(":8001")
    assert gateway["GATEWAY_STAFF_URL"].endswith(":8002")
    assert gateway["GATEWAY_KPI_URL"].endswith(":8003")


def test_dockerfile_and_no_plain_secrets() -> None:
    assert Path("deploy/Dockerfile").exists()
    text = Path("docker-compose.yml").read_text()
    assert "PASSWORD: ${" in text
    for line in text.splitlines():
        if "PASSWORD" in line and ":" in line.split("PASSWORD", 1)[1]:
            assert "${" in line, line

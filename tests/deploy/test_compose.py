"""docker-compose.yml cannot run here: check what can be checked by construction."""

import re
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


DOCKERFILE = Path("deploy/Dockerfile").read_text()
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|build-essential|make|cmake|python3?-dev|libpq-dev)\b")


def dockerfile_stages() -> list[list[str]]:
    """The instructions of each stage (continuation lines joined, comments dropped)."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    stages: list[list[str]] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def dockerfile_args() -> dict[str, str]:
    return dict(re.findall(r"(?m)^ARG (\w+)=(\S+)$", DOCKERFILE))


def test_the_image_is_multi_stage_from_a_pinned_base() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    args = dockerfile_args()
    for stage in stages:
        base = stage[0].split()[1]
        base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        tag = base.partition(":")[2]
        assert "@sha256:" in base or re.fullmatch(r"\d+\.\d+\.\d+-slim-\w+", tag), base
    final = stages[-1]
    assert any(line.startswith("COPY --from=build") for line in final)


def test_the_final_image_has_no_build_tools_and_runs_as_a_user() -> None:
    final = dockerfile_stages()[-1]
    assert not any(BUILD_TOOLS.search(line) for line in final if line.startswith("RUN"))
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in final)
    entrypoint = next(line for line in final if line.startswith("ENTRYPOINT"))
    assert "deploy.serve" in entrypoint
    assert "STOPSIGNAL SIGTERM" in final
    # the runtime dependencies at the lock's versions, not the dev extra
    build = "\n".join(dockerfile_stages()[0])
    assert "--constraint requirements.lock ." in build and "[dev]" not in build


def test_start_order_is_health_gated() -> None:
    services = COMPOSE["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for app in ("clients", "staff", "kpi"):
        depends = services[app]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert all(d["condition"] in {"service_healthy", "service_completed_successfully"}
                   for d in depends.values())  # fmt: skip
    gateway = services["gateway"]["depends_on"]
    assert gateway == {app: {"condition": "service_healthy"} for app in ("staff", "clients", "kpi")}
    for app in APPS:
        test = " ".join(services[app]["healthcheck"]["test"])
        assert f"{services[app]['command'][-1]}/readyz" in test, app
        assert services[app]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "test" in services["postgres"]["healthcheck"]


def test_production_settings_are_complete() -> None:
    """What a production process refuses to start without is passed to each of them."""
    for app in APPS:
        env = COMPOSE["services"][app]["environment"]
        assert env["KAM_ENVIRONMENT"] == "production"
        assert env["KAM_INTERNAL_SECRET"].startswith("${")
        if app != "gateway":
            assert env[f"{app.upper()}_DB_PASSWORD"].startswith("${")
    staff = COMPOSE["services"]["staff"]["environment"]
    assert staff["STAFF_CLIENTS_URL"].endswith(":8001")  # the outbox's receivers
    assert staff["STAFF_KPI_URL"].endswith(":8003")

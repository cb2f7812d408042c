"""deploy/k8s, checked offline: every rendered resource against the Kubernetes schemas
(kubernetes-validate ships them) and our own rules: probes, limits, pinned images, no
plaintext secrets, one Service/HPA/PDB per app, an Ingress only for the gateway, and
network policies that let only the gateway reach the services and only the services
(through PgBouncer) reach PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from deploy.processes import APPS
from deploy.serve import GRACEFUL_SECONDS
from tests.deploy.kustomize_lite import Resource, render
from tests.deploy.test_compose import known_variables

K8S = Path("deploy/k8s")
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")  # the oldest we support and the newest bundled
PORTS = {"gateway": 8000, "clients": 8001, "staff": 8002, "kpi": 8003}
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|PEM|PRIVATE", re.IGNORECASE)


@cache
def rendered(overlay: str) -> tuple[Resource, ...]:
    return tuple(render(K8S / "overlays" / overlay))


def of_kind(overlay: str, kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in rendered(overlay) if r["kind"] == kind}


def pod_spec(resource: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = resource["spec"]["template"]["spec"]
    return spec


def containers(overlay: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{r['kind']}/{r['metadata']['name']}", c)
        for r in rendered(overlay)
        if r["kind"] in {"Deployment", "Job"}
        for c in pod_spec(r)["containers"]
    ]


def kubectl_kustomize(directory: Path) -> list[Resource] | None:
    """``kubectl kustomize`` of ``directory`` when kubectl is installed (else None)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    done = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_test_renderer_agrees_with_kustomize(overlay: str) -> None:
    real = kubectl_kustomize(K8S / "overlays" / overlay)
    if real is None:
        pytest.skip("kubectl is not installed; the checks below use the test renderer")

    def keyed(resources: Any) -> dict[tuple[str, str], Resource]:
        return {(r["kind"], r["metadata"]["name"]): r for r in resources}

    assert keyed(rendered(overlay)) == keyed(real)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid_kubernetes(overlay: str, version: str) -> None:
    errors = []
    for resource in rendered(overlay):
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{resource['kind']}/{resource['metadata']['name']}: {exc.message}")
    assert errors == []


def test_every_manifest_file_is_plain_yaml_with_a_kind() -> None:
    for path in K8S.rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            assert document and "kind" in document, path


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_probes_limits_and_a_graceful_stop(overlay: str) -> None:
    for name, deployment in of_kind(overlay, "Deployment").items():
        spec = pod_spec(deployment)
        for container in spec["containers"]:
            limits = container["resources"]["limits"]
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(limits) and {"cpu", "memory"} <= set(requests), name
            assert container["readinessProbe"] and container["livenessProbe"], name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        if name in APPS:
            (container,) = spec["containers"]
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["args"][:1] == [name]
            assert container["args"][-1] == str(PORTS[name])
            assert container["ports"][0]["containerPort"] == PORTS[name]
            # endpoints drop out (preStop), then SIGTERM drains within the grace period
            pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
            assert spec["terminationGracePeriodSeconds"] > pre_stop + GRACEFUL_SECONDS
            annotations = deployment["spec"]["template"]["metadata"]["annotations"]
            assert annotations["prometheus.io/path"] == "/metrics"
            assert "replicas" not in deployment["spec"], "the HPA owns the replica count"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned(overlay: str) -> None:
    for where, container in containers(overlay):
        image = container["image"]
        if "@sha256:" in image:
            continue
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        assert tag and tag != "latest", f"{where}: {image} is not pinned"
        assert re.search(r"\d+\.\d+", tag), f"{where}: {image} has no version in its tag"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_plaintext_secrets(overlay: str) -> None:
    assert not of_kind(overlay, "Secret"), "Secrets are created outside git, never committed"
    for where, container in containers(overlay):
        for variable in container.get("env", []):
            if SECRET_WORDS.search(variable["name"]):
                assert "value" not in variable, f"{where}: {variable['name']} has a value"
                assert variable["valueFrom"]["secretKeyRef"]["name"], where
            if variable["name"] == "DATABASE_URL":
                assert "secretKeyRef" in variable["valueFrom"], where
    for name, config in of_kind(overlay, "ConfigMap").items():
        for key, value in config["data"].items():
            assert not SECRET_WORDS.search(key), f"ConfigMap {name}: {key}"
            assert not re.search(r"://[^/@:]+:[^/@]+@", value), f"ConfigMap {name}: {key}"
            assert not re.search(r"(?im)^\s*(password|auth_password)\s*=", value), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_set_is_read_by_some_settings(overlay: str) -> None:
    known = known_variables() | {"PORT"}
    config = of_kind(overlay, "ConfigMap")["kam-config"]["data"]
    unknown = set(config) - known
    for _, container in containers(overlay):
        unknown |= {v["name"] for v in container.get("env", [])} - known
    assert unknown == set()
    assert config["KAM_DB_POOLER_MODE"] == "transaction"
    assert "@pgbouncer:6432/" in config["DATABASE_URL"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_app_has_a_service_an_autoscaler_and_a_disruption_budget(overlay: str) -> None:
    deployments = of_kind(overlay, "Deployment")
    services = of_kind(overlay, "Service")
    autoscalers = of_kind(overlay, "HorizontalPodAutoscaler")
    budgets = of_kind(overlay, "PodDisruptionBudget")
    for app in APPS:
        labels = deployments[app]["spec"]["template"]["metadata"]["labels"]
        selector = services[app]["spec"]["selector"]
        assert selector.items() <= labels.items()
        assert services[app]["spec"]["ports"][0]["port"] == PORTS[app]
        assert autoscalers[app]["spec"]["scaleTargetRef"]["name"] == app
        assert (
            1 <= autoscalers[app]["spec"]["minReplicas"] <= autoscalers[app]["spec"]["maxReplicas"]
        )
        assert budgets[app]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    if overlay == "prod":
        assert all(autoscalers[app]["spec"]["minReplicas"] >= 2 for app in APPS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_exposed(overlay: str) -> None:
    (ingress,) = of_kind(overlay, "Ingress").values()
    backends = {
        path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert {"/metrics", "/healthz", "/readyz", "/"}.isdisjoint(paths)
    assert all(s["spec"]["type"] == "ClusterIP" for s in of_kind(overlay, "Service").values())


def _peers(rules: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    return [peer for rule in rules for peer in rule.get(direction, [])]


def _ports(rules: list[dict[str, Any]]) -> set[int]:
    return {port["port"] for rule in rules for port in rule.get("ports", [])}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies(overlay: str) -> None:
    policies = of_kind(overlay, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    services = policies["services"]["spec"]
    sources = _peers(services["ingress"], "from")
    allowed = [peer["podSelector"]["matchLabels"] for peer in sources]
    assert allowed == [{"app.kubernetes.io/name": "gateway"},
                       {"app.kubernetes.io/component": "service"}]  # fmt: skip
    assert 5432 not in _ports(services["egress"]), "services reach PostgreSQL via PgBouncer"
    assert 6432 in _ports(services["egress"])
    reaching_postgres = {
        name
        for name, policy in policies.items()
        if 5432 in _ports(policy["spec"].get("egress", []))
    }
    assert reaching_postgres == {"pgbouncer", "migrate"}
    pooler = policies["pgbouncer"]["spec"]["ingress"]
    assert [p["podSelector"]["matchLabels"] for p in _peers(pooler, "from")] == [
        {"app.kubernetes.io/component": "service"}
    ]
    # the services' policy selects exactly the three services, not the gateway
    deployments = of_kind(overlay, "Deployment")
    selected = {
        name
        for name, d in deployments.items()
        if services["podSelector"]["matchLabels"].items()
        <= d["spec"]["template"]["metadata"]["labels"].items()
    }
    assert selected == {"clients", "staff", "kpi"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migration_job_runs_before_the_rollout(overlay: str) -> None:
    (job,) = of_kind(overlay, "Job").values()
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    (container,) = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "deploy.dbctl", "prepare"]
    env = {v["name"]: v for v in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "kam-db-admin"
    assert {"CLIENTS_DB_PASSWORD", "STAFF_DB_PASSWORD", "KPI_DB_PASSWORD"} <= set(env)
    assert pod_spec(job)["restartPolicy"] == "Never"
    deployment_images = {c["image"] for w, c in containers(overlay) if "pgbouncer" not in w}
    assert deployment_images == {container["image"]}, "the Job migrates what the pods run"


def test_the_overlays_differ_where_they_should() -> None:
    dev = of_kind("dev", "HorizontalPodAutoscaler")
    prod = of_kind("prod", "HorizontalPodAutoscaler")
    assert all(dev[a]["spec"]["minReplicas"] == 1 for a in APPS)
    assert prod["clients"]["spec"]["maxReplicas"] > dev["clients"]["spec"]["maxReplicas"]
    assert {r["metadata"]["namespace"] for r in rendered("dev")} == {"kam-dev"}
    assert {r["metadata"]["namespace"] for r in rendered("prod")} == {"kam"}
    assert of_kind("dev", "ConfigMap")["kam-config"]["data"]["KAM_ENVIRONMENT"] == "development"
    assert of_kind("prod", "ConfigMap")["kam-config"]["data"]["KAM_ENVIRONMENT"] == "production"
    clients = pod_spec(of_kind("prod", "Deployment")["clients"])["containers"][0]
    assert clients["resources"]["limits"]["memory"] == "1Gi"
    assert clients["readinessProbe"]["httpGet"]["path"] == "/readyz"  # the patch merged


def test_pgbouncer_runs_in_transaction_mode() -> None:
    ini = of_kind("prod", "ConfigMap")["pgbouncer-config"]["data"]["pgbouncer.ini"]
    assert re.search(r"(?m)^pool_mode = transaction$", ini)
    assert re.search(r"(?m)^auth_type = scram-sha-256$", ini)

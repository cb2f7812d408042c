"""A tiny Kustomize for the tests: the features deploy/k8s uses, nothing more.

``kubectl kustomize`` renders the same overlays when it is installed (the tests compare
both); this keeps the checks running on a machine without it. Supported: ``resources``
(files and directories), ``namespace``, ``images`` (newName/newTag/digest), ``labels``
(metadata only) and ``patches`` with a ``path`` to strategic-merge patches (maps merge,
lists of named items merge by name, other lists are replaced).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


def load_documents(path: Path) -> list[Resource]:
    """Every non-empty YAML document of a file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge for the fields our patches touch."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in [*base, *patch])
    ):
        by_name = {item["name"]: item for item in base}
        merged_list = [merge(by_name[i["name"]], i) if i["name"] in by_name else i for i in patch]
        patched = {item["name"] for item in patch}
        return [item for item in base if item["name"] not in patched] + merged_list
    return copy.deepcopy(patch)


def _key(resource: Resource) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def _containers(resource: Resource) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def _set_image(resource: Resource, images: list[dict[str, str]]) -> None:
    for container in _containers(resource):
        name, _, tag = container["image"].partition(":")
        for image in images:
            if image["name"] != name:
                continue
            new_name = image.get("newName", name)
            if "digest" in image:
                container["image"] = f"{new_name}@{image['digest']}"
            else:
                container["image"] = f"{new_name}:{image.get('newTag', tag)}"


def render(directory: Path) -> list[Resource]:
    """The resources of the kustomization in ``directory``, as ``kubectl kustomize`` would."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        resources += render(target) if target.is_dir() else load_documents(target)
    index = {_key(r): n for n, r in enumerate(resources)}
    for patch_entry in kustomization.get("patches", []):
        for patch in load_documents(directory / patch_entry["path"]):
            key = _key(patch)
            assert key in index, f"patch {patch_entry['path']} targets missing {key}"
            resources[index[key]] = merge(resources[index[key]], patch)
    for label in kustomization.get("labels", []):
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(label["pairs"])
    images = kustomization.get("images", [])
    namespace = kustomization.get("namespace")
    for resource in resources:
        _set_image(resource, images)
        if namespace and resource["kind"] not in CLUSTER_SCOPED:
            resource["metadata"]["namespace"] = namespace
    return resources

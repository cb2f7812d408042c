"""The committed OpenAPI contract: ``docs/openapi/{clients,staff,kpi,gateway}.json``.

    python -m deploy.openapi_docs write    (``make openapi``) regenerate the files
    python -m deploy.openapi_docs check    exit 1 and name what differs when they are stale

Each service's document is what its ``create_app()`` serves at ``/openapi.json``; the
gateway's is the merge the gateway serves, built by the gateway's own merge code from the
three (no process or database is needed). A test compares them with the committed files so
a contract change shows up in review.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from gateway.openapi_cache import DESCRIPTION
from gateway.openapi_merge import merge_openapi
from gateway.routing import routing_table
from gateway.settings import GatewaySettings

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "docs" / "openapi"
SERVICES = ("clients", "staff", "kpi")
REGENERATE = "python -m deploy.openapi_docs write  (or: make openapi)"


def service_document(service: str) -> dict[str, Any]:
    """The document ``service`` serves, as JSON would carry it."""
    module = importlib.import_module(f"services.{service}.app")
    document = module.create_app().openapi()
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def gateway_document(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The merged document the gateway serves at its default public URL (``/``)."""
    order = [upstream.name for upstream in routing_table(GatewaySettings()).upstreams]
    return merge_openapi(
        {name: documents[name] for name in order}, description=DESCRIPTION, server_url="/"
    )


def current_documents() -> dict[str, dict[str, Any]]:
    """Every document as the code serves it now, keyed by file stem."""
    documents = {service: service_document(service) for service in SERVICES}
    return {**documents, "gateway": gateway_document(documents)}


def render(document: dict[str, Any]) -> str:
    """The committed form: stable, readable, Chinese left as it is."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def committed_document(name: str) -> dict[str, Any] | None:
    """The committed document ``name``, or None when there is none."""
    path = OPENAPI_DIR / f"{name}.json"
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _operations(document: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }


def differences(served: dict[str, Any], committed: dict[str, Any] | None) -> list[str]:
    """Short lines naming what differs between two documents (empty when equal)."""
    if committed is None:
        return ["no committed document"]
    if served == committed:
        return []
    lines: list[str] = []
    ours, theirs = _operations(served), _operations(committed)
    lines += [f"new operation {op}" for op in sorted(ours.keys() - theirs.keys())]
    lines += [f"removed operation {op}" for op in sorted(theirs.keys() - ours.keys())]
    lines += [
        f"changed operation {op}"
        for op in sorted(ours.keys() & theirs.keys())
        if ours[op] != theirs[op]
    ]
    served_schemas = served.get("components", {}).get("schemas", {})
    committed_schemas = committed.get("components", {}).get("schemas", {})
    for name in sorted(served_schemas.keys() | committed_schemas.keys()):
        if name not in committed_schemas:
            lines.append(f"new schema {name}")
        elif name not in served_schemas:
            lines.append(f"removed schema {name}")
        elif served_schemas[name] != committed_schemas[name]:
            lines.append(f"changed schema {name}")
    for key in sorted(served.keys() | committed.keys()):
        if key not in {"paths", "components"} and served.get(key) != committed.get(key):
            lines.append(f"top-level {key} changed")
    if served.get("components", {}).keys() != committed.get("components", {}).keys() or any(
        served["components"].get(kind) != committed["components"].get(kind)
        for kind in served.get("components", {})
        if kind != "schemas"
    ):
        lines.append("components other than schemas changed")
    return lines or ["the documents differ"]


def stale_documents() -> dict[str, list[str]]:
    """Each committed document that differs from the served one, with what differs."""
    stale: dict[str, list[str]] = {}
    for name, document in current_documents().items():
        found = differences(document, committed_document(name))
        if found:
            stale[name] = found
    return stale


def write() -> list[Path]:
    """Regenerate every committed document; the paths written."""
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in current_documents().items():
        path = OPENAPI_DIR / f"{name}.json"
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi_docs")
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    if args.command == "write":
        for path in write():
            sys.stdout.write(f"wrote {path}\n")
        return 0
    stale = stale_documents()
    for name, lines in stale.items():
        sys.stdout.write(f"docs/openapi/{name}.json is stale:\n")
        sys.stdout.writelines(f"  {line}\n" for line in lines[:40])
    if stale:
        sys.stdout.write(f"regenerate with: {REGENERATE}\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

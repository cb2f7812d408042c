"""The machinery of the walking authorisation suite (tests/authz/test_walk.py).

Every route of a service's app (hidden ones included) is called as every persona, with
its ids filled by what they refer to (``x-kam-ref``): a record inside the persona's scope,
one outside it, or a missing one. What each call answered is kept in a table, printed at
the end of the session (test-output/authz-walk.txt, and a summary to stdout).
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.auth.policy import Policy, api_routes, route_policies
from shared.http_client import ServiceClient
from shared.references import entity_of
from tests.authz.personas import Persona
from tests.authz.world import MISSING, Family, example_body

PLACEHOLDERS = {
    "currency": "CNY",
    "day": "2026-01-15",
    "effective_on": "2026-01-01",
    "on_date": "2026-01-01",
    "line_no": "1",
    "version_no": "1",
}
PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
WRITES = {"POST", "PUT", "PATCH"}
REPORT = Path("test-output") / "authz-walk.txt"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# Fields set over a documented example so that it validates and does not collide with the
# walk's earlier calls (the AccountCreate example's credit code has a wrong check
# character; legal names, credit codes and contract numbers are unique).
BODY_OVERRIDES: dict[str, Any] = {
    "POST /v1/clients/accounts": lambda: {
        "credit_code": None,
        "legal_name": unique("走查新客户") + "有限公司",
    },
    "POST /v1/clients/accounts/{account_id}/contracts": lambda: {"number": unique("HT-W-")},
    "POST /v1/clients/contracts/{contract_id}/renewals": lambda: {"number": unique("HT-W-")},
    # The example's catalogue product is not one of the walk's records.
    "POST /v1/clients/accounts/{account_id}/opportunities": lambda: {"lines": []},
    "PATCH /v1/clients/opportunities/{opportunity_id}": lambda: {"lines": []},
    "POST /v1/clients/products": lambda: {"code": unique("P-W-")},
    "POST /v1/clients/competitors": lambda: {"name": unique("走查竞争对手")},
    "POST /v1/clients/pipeline-stages": lambda: {
        "code": unique("walk_"),
        "position": 1000 + int(uuid.uuid4().int % 9000),
    },
}


@dataclass(frozen=True)
class Multipart:
    """A ``multipart/form-data`` body (an attachment's upload): one small text file, sent
    with a fixed boundary so the same body is the same bytes (an idempotent retry)."""

    boundary: str = "kam-walk-boundary"

    def request(self) -> dict[str, Any]:
        """``httpx`` arguments sending it."""
        return {
            "files": {"file": ("走查附件.txt", "走查".encode(), "text/plain")},
            "headers": {"Content-Type": f"multipart/form-data; boundary={self.boundary}"},
        }


def request_arguments(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    """``httpx`` arguments sending ``body`` (JSON, or a :class:`Multipart`) with ``headers``."""
    if isinstance(body, Multipart):
        arguments = body.request()
        return {**arguments, "headers": {**headers, **arguments["headers"]}}
    return {"json": body, "headers": headers}


def build_app(service: str) -> FastAPI:
    """The service's app with upstream clients that answer an empty page, so no route
    stops at "not configured" before it looks its records up (the gateway pass and the
    e2e tests use the real ones)."""
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()

    def empty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    for name in ("staff", "clients", "kpi"):  # kpi: staff's audit search across services
        client = ServiceClient(name, f"http://{name}", transport=httpx.MockTransport(empty))
        setattr(app.state, f"{name}_client", client)
    return app


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    route: APIRoute
    documented: frozenset[str] | None  # None: a route outside the contract
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.route.path_format}"

    def path_entities(self) -> list[str]:
        names = PARAMETER.findall(self.route.path_format)
        return [e for e in (entity_of(self.service, n) for n in names) if e is not None]

    def allows(self, persona: Persona) -> bool:
        policies = [p for p in route_policies(self.route) if isinstance(p, Policy)]
        return all(p.allows(persona.principal()) for p in policies)

    def path(self, family: Family | None) -> str:
        """The path with every id from ``family`` (None: every id missing)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            entity = entity_of(self.service, name)
            if entity is None:
                return PLACEHOLDERS.get(name, "1")
            return str((family or {}).get(entity, MISSING))

        return PARAMETER.sub(value, self.route.path_format)

    def body(self, document: dict[str, Any], family: Family | None) -> Any:
        """The documented example body with its ids from ``family`` (or missing)."""
        if self.method not in WRITES:
            return None
        if "multipart/form-data" in self.spec.get("requestBody", {}).get("content", {}):
            return Multipart()
        example = example_body(document, self.spec) if self.spec else None
        if isinstance(example, dict) and self.label in BODY_OVERRIDES:
            example.update(BODY_OVERRIDES[self.label]())
        return fill_ids(self.service, example if example is not None else {}, family)


def fill_ids(service: str, body: Any, family: Family | None, only: str | None = None) -> Any:
    """``body`` with each id-like field set from ``family`` where it has the entity (None:
    every id missing); ``only``: just that field."""
    if isinstance(body, list):
        return [fill_ids(service, item, family, only) for item in body]
    if not isinstance(body, dict):
        return body
    filled: dict[str, Any] = {}
    for name, value in body.items():
        entity = entity_of(service, name)
        chosen = entity is not None and (only is None or only == name)
        if chosen and not isinstance(value, str) and (family is None or entity in family):
            ref = MISSING if family is None else family[str(entity)]
            filled[name] = [ref] if isinstance(value, list) else ref
        else:
            filled[name] = fill_ids(service, value, family, only)
    return filled


def operations(service: str, app: FastAPI) -> Iterator[Operation]:
    document = app.openapi()
    for route in api_routes(app):
        if not route.path.startswith("/v1/"):
            continue
        for method in sorted(route.methods or ()):
            spec = document["paths"].get(route.path_format, {}).get(method.lower())
            documented = frozenset(spec["responses"]) if spec and route.include_in_schema else None
            yield Operation(service, method, route, documented, spec or {})


@dataclass(frozen=True)
class Answer:
    status: int
    type: str | None
    detail: str | None
    body: Any

    @classmethod
    async def of(
        cls, client: httpx.AsyncClient, operation: Operation, persona: Persona, path: str,
        body: Any, params: dict[str, Any] | None = None, if_match: str = '"1"',
    ) -> Answer:  # fmt: skip
        response = await client.request(
            operation.method, path, params=params,
            **request_arguments(body, {"If-Match": if_match, **persona.headers()}),
        )  # fmt: skip
        try:
            parsed = response.json()
        except ValueError:
            parsed = response.text
        problem = parsed if isinstance(parsed, dict) else {}
        return cls(response.status_code, problem.get("type"), problem.get("detail"), parsed)

    def shape(self) -> tuple[int, str | None, str | None]:
        """What must not differ between an out-of-scope and a missing record: status,
        problem type and the detail with its numbers blanked."""
        detail = re.sub(r"\d+", "#", self.detail) if isinstance(self.detail, str) else None
        return self.status, self.type, detail


class Table:
    """Operation × persona: what the walk saw (``ok``, ``403``, ``HOLE``, ``-``)."""

    def __init__(self) -> None:
        self.cells: dict[str, dict[str, str]] = defaultdict(dict)

    def mark(self, operation: str, persona: str, text: str) -> None:
        current = self.cells[operation].get(persona)
        if current is None or current in {"ok", "403"} or text.startswith("HOLE"):
            self.cells[operation][persona] = text

    def render(self, personas: list[str]) -> str:
        width = max((len(op) for op in self.cells), default=10)
        lines = [" " * width + " | " + " | ".join(f"{p[:15]:<15}" for p in personas)]
        for operation in sorted(self.cells):
            row = self.cells[operation]
            cells = " | ".join(f"{row.get(p, '-')[:15]:<15}" for p in personas)
            lines.append(f"{operation:<{width}} | {cells}")
        return "\n".join(lines)

    def summary(self) -> str:
        counts: dict[str, int] = defaultdict(int)
        for row in self.cells.values():
            for text in row.values():
                counts["HOLE" if text.startswith("HOLE") else text] += 1
        parts = ", ".join(f"{key}: {value}" for key, value in sorted(counts.items()))
        return f"authz walk: {len(self.cells)} operations; cells {parts}"


TABLE = Table()

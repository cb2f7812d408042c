"""What every id in a contract refers to: ``x-kam-ref: <entity>`` on id parameters and fields.

One registry, applied when a service's OpenAPI document is built, so routers stay as they
are: a parameter or field is id-like when its name is ``id`` or ends in ``_id``/``_ids``.
Its entity comes from, in order: an override for the service, the name conventions
(``owner_id`` → employee), the stem of the name (``ticket_id`` → ticket), or, for a bare
``id``, the schema holding it (``TicketRead.id`` → ticket). The walking authorisation
suite (tests/authz) reads these annotations to know which object to put in each id.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

REF = "x-kam-ref"
ID_LIKE = re.compile(r"^(ids?|.+_ids?)$")

# Every entity a reference may name: a new one is added here on purpose, so a name the
# conventions misread (``reviewer_id`` → "reviewer") fails the contract test instead.
ENTITIES = frozenset(
    {
        "account", "actual_snapshot", "allocation", "api_key", "appraisal", "appraisal_event",
        "account_merge", "appraisal_item", "approval_request", "assessment", "attachment",
        "audit_entry", "bonus_base", "by_entity_type", "by_timeline_kind", "channel_user",
        "collection_task", "contact", "contact_merge", "contact_touch", "contract",
        "credit_adjustment", "cycle", "delivery", "department", "departure", "employee",
        "bid", "competitor", "competitor_presence", "erp_sync_run", "erp_webhook_secret", "event",
        "exchange_rate", "grade_change", "handover", "indicator", "invoice", "invoice_line", "note",
        "oauth_client", "opportunity", "outbox_message", "ownership_change", "ownership_dispute",
        "payment", "position", "position_item", "position_version", "product", "quotation",
        "quotation_line", "request", "reward_penalty", "session",
        "stage_change", "stand_in", "survey", "target_plan", "template", "template_item", "ticket",
        "ticket_event", "user", "visit", "work_item",
    }
)  # fmt: skip

# Names whose stem is not the entity (people named by their part in the record …).
NAME_REFS: dict[str, str] = {
    "owner_id": "employee",
    "author_id": "employee",
    "copied_from_id": "quotation",
    "owner_ids": "employee",
    "handler_id": "employee",
    "added_by_employee_id": "employee",
    "queue_id": "department",
    "manager_id": "employee",
    "actor_employee_id": "employee",
    "from_employee_id": "employee",
    "to_employee_id": "employee",
    "successor_employee_id": "employee",
    "approved_by_employee_id": "employee",
    "approver_employee_id": "employee",
    "created_by_employee_id": "employee",
    "submitted_by_employee_id": "employee",
    "absent_employee_id": "employee",
    "stand_in_employee_id": "employee",
    "claimant_id": "employee",
    "arbiter_id": "employee",
    "team_department_id": "department",
    # A person's account on a messaging channel (WeCom, DingTalk): not one of our records.
    "wecom_user_id": "channel_user",
    "dingtalk_user_id": "channel_user",
    "top_account_id": "account",
    # An account merge's two accounts, and a duplicate pair's second account.
    "survivor_id": "account",
    "loser_id": "account",
    "other_account_id": "account",
    "respondent_contact_id": "contact",
    # Members of problem documents (shared.contract_shape.PROBLEM_EXTENSIONS).
    "renewal_id": "contract",
    "conflicting_stand_in_id": "stand_in",
    "conflicting_template_id": "template",
    "draft_template_id": "template",
    "missing_account_ids": "account",
    "foreign_account_ids": "account",
    "missing_indicator_ids": "indicator",
    "team_ids": "department",
    "renewal_of_id": "contract",
    "lost_to_competitor_id": "competitor",
    "task_id": "collection_task",
    "touch_id": "contact_touch",
    "plan_id": "target_plan",
    "key_id": "api_key",
    "item_id": "appraisal_item",
    "team_id": "department",
    "group_id": "department",
    "event_id": "event",
    "webhook_id": "event",
    "request_id": "request",
    "client_id": "oauth_client",
    # The audit log's entity is named by ``entity_type`` beside it.
    "entity_id": "by_entity_type",
    # A timeline entry's record: a visit, a ticket, a note … as its ``kind`` says.
    "record_id": "by_timeline_kind",
}

# Where a name means something else in one service.
SERVICE_REFS: dict[str, dict[str, str]] = {
    "clients": {
        "parent_id": "account",
        "secret_id": "erp_webhook_secret",
        "message_id": "outbox_message",
    },
    "staff": {"parent_id": "department", "item_id": "work_item"},
    "kpi": {"parent_id": "department"},
}

# Where a name means something else in one schema (a contact merge's two contacts).
SCHEMA_NAME_REFS: dict[str, dict[str, str]] = {
    "ContactMergeCreate": {"survivor_id": "contact", "loser_id": "contact"},
    "ContactMergeRead": {"survivor_id": "contact", "loser_id": "contact"},
}

# A bare ``id`` is the entity of its schema, named without these endings …
SCHEMA_SUFFIXES = ("Read", "Detail", "Summary", "Created", "Signed", "Node")
# … except where the schema's name does not say it.
SCHEMA_REFS: dict[str, str] = {
    "AccountContactRead": "contact",
    "PersonNode": "employee",
    "CreditWarning": "account",
    "StuckOpportunity": "opportunity",
    "ReportLine": "opportunity",
    "WebhookSecretRead": "erp_webhook_secret",
    "WebhookSecretCreated": "erp_webhook_secret",
    "DeadWorkItemRead": "outbox_message",
    "AuditSearchEntry": "audit_entry",
    # The ERP's events: their id is the event's (its webhook-id).
    "InvoiceUpserted": "event",
    "PaymentReceived": "event",
    "PaymentReversed": "event",
}


def snake_case(name: str) -> str:
    """``TargetPlan`` → ``target_plan``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# References not named like ids: a record's number within its parent.
NUMBER_REFS: dict[str, str] = {"line_no": "invoice_line", "version_no": "position_version"}


def person_reference(name: str, prop: dict[str, Any]) -> bool:
    """``assessed_by``, ``signed_by`` …: a person, when the value is an (employee) id."""
    options = [prop, *prop.get("anyOf", [])]
    return name.endswith("_by") and any(o.get("type") == "integer" for o in options)


def entity_of(service: str, name: str, schema: str | None = None) -> str | None:
    """The entity an id-like ``name`` refers to (None: not id-like, or unknown)."""
    if name in NUMBER_REFS:
        return NUMBER_REFS[name]
    if not ID_LIKE.match(name):
        return None
    in_schema = SCHEMA_NAME_REFS.get(schema or "", {})
    if name in in_schema:
        return in_schema[name]
    overrides = SERVICE_REFS.get(service, {})
    if name in overrides:
        return overrides[name]
    if name in NAME_REFS:
        return NAME_REFS[name]
    if name in {"id", "ids"}:
        if schema is None:
            return None
        if schema in SCHEMA_REFS:
            return SCHEMA_REFS[schema]
        stem = schema
        for suffix in SCHEMA_SUFFIXES:
            stem = stem.removesuffix(suffix)
        return snake_case(stem) if stem else None
    return re.sub(r"_ids?$", "", name)


def _listed_schema(operation: dict[str, Any], path: str) -> str | None:
    """``TicketRead`` for a list answering ``Page[TicketRead]`` (or exporting
    ``/tickets/export``): the records its ``?id=`` filter names."""
    if path.endswith("/export"):
        collection = path.removesuffix("/export").rsplit("/", 1)[-1]
        return collection.removesuffix("s").title().replace("_", "") + "Read"
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    ref = str(content.get("application/json", {}).get("schema", {}).get("$ref", ""))
    name = ref.rsplit("/", 1)[-1]
    if name.startswith("Page_") and name.endswith("_"):
        return name.removeprefix("Page_").removesuffix("_")
    return None


def annotate_references(service: str, document: dict[str, Any]) -> dict[str, Any]:
    """Write ``x-kam-ref`` on every id-like parameter and schema property of ``document``."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                entity = entity_of(service, parameter.get("name", ""))
                if entity is None and parameter.get("name") == "id":
                    entity = entity_of(service, "id", _listed_schema(operation, path))
                if entity is not None:
                    parameter[REF] = entity
    for schema_name, schema in document.get("components", {}).get("schemas", {}).items():
        for name, prop in schema.get("properties", {}).items():
            if not isinstance(prop, dict):
                continue
            entity = entity_of(service, name, schema_name)
            if entity is None and person_reference(name, prop):
                entity = "employee"
            if entity is not None:
                prop[REF] = entity
    return document


def document_references(app: FastAPI, service: str) -> None:
    """Post-process ``app``'s OpenAPI document with :func:`annotate_references`."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = annotate_references(service, original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Walk what the three apps read from a request, down to the types of single values.

Used by the tests that hold a kind of value to the contract's form (dates in
tests/shared/test_request_dates.py, numbers in tests/shared/test_request_numbers.py): every
route's body (nested models, lists, unions, Annotated), its query, path, header and cookie
parameters, dependencies included, and the bodies listed in ``RAW_BODIES``. The apps are
only built, never started: no database.
"""

import importlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any, NamedTuple, get_args, get_origin

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.clients.erp.events import ErpEvent
from shared.auth.policy import api_routes

SERVICES = ("clients", "staff", "kpi")
PARAMETER_KINDS = ("path", "query", "header", "cookie", "body")

RAW_BODIES: dict[str, Any] = {
    # Routes that read their body themselves (the signature is checked on the raw bytes,
    # a file is parsed by hand): the model each body is validated with, None for no JSON.
    "POST /v1/clients/erp/webhooks": ErpEvent,
    "POST /v1/clients/accounts/import": None,  # a CSV or XLSX file
    # Attachments: a multipart file streamed by hand (its sha256 field is hex text).
    **{
        f"POST /v1/clients/{records}/{{{record_id}}}/attachments": None
        for records, record_id in (
            ("accounts", "account_id"),
            ("contracts", "contract_id"),
            ("visits", "visit_id"),
            ("tickets", "ticket_id"),
            ("opportunities", "opportunity_id"),
            ("bids", "bid_id"),
        )
    },
}


def create_app(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()
    return app


def with_metadata(annotation: Any, metadata: list[Any]) -> Any:
    # Pydantic moves a field's top-level Annotated metadata (IsoDay's validator, a Field's
    # ge/le) out of the annotation; put it back so the type is validated as the request
    # would be.
    return Annotated[(annotation, *metadata)] if metadata else annotation


def operation(route: APIRoute) -> str:
    return f"{'/'.join(sorted(route.methods))} {route.path}"


def route_parameters(route: APIRoute) -> Iterator[tuple[str, Any]]:
    """``(kind, annotation)`` of every parameter the route reads, dependencies included."""
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        stack.extend(dependant.dependencies)
        for kind in PARAMETER_KINDS:
            for parameter in getattr(dependant, f"{kind}_params"):
                info = parameter.field_info
                yield f"{kind} {parameter.name}", with_metadata(info.annotation, info.metadata)
    if route.body_field is None and operation(route) in RAW_BODIES:
        yield "raw body", RAW_BODIES[operation(route)]


class Reading(NamedTuple):
    """Where a request value is read: the first route and parameter reading it, and the
    type it is validated with (a parameter's, or a model field's with its metadata)."""

    route: str
    parameter: str
    annotation: Any

    def __str__(self) -> str:
        return f"{self.route} ({self.parameter})"


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models ``annotation`` holds directly: itself, or inside unions, lists …"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    else:
        for argument in get_args(annotation):
            yield from models_in(argument)


def field_annotations(
    annotation: Any, where: str, seen: set[type[BaseModel]]
) -> Iterator[tuple[str, Any]]:
    """``annotation`` named ``where``, then every field of the models it holds, at any
    depth, named ``module.Model.field``."""
    yield where, annotation
    for model in models_in(annotation):
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            yield from field_annotations(
                with_metadata(field.annotation, field.metadata),
                f"{model.__module__}.{model.__qualname__}.{name}",
                seen,
            )


def request_fields(
    app: FastAPI, kinds: tuple[str, ...] = (*PARAMETER_KINDS, "raw")
) -> dict[str, Reading]:
    """Every parameter of ``kinds`` the app's routes read (``"raw"``: the bodies listed in
    ``RAW_BODIES``), and every field of every model in them."""
    found: dict[str, Reading] = {}
    for route in api_routes(app):
        for parameter, annotation in route_parameters(route):
            if parameter.split()[0] not in kinds:
                continue
            for where, field_annotation in field_annotations(annotation, parameter, set()):
                found.setdefault(where, Reading(operation(route), parameter, field_annotation))
    return found


def leaf_types(annotation: Any, wanted: Callable[[Any], bool]) -> Iterator[Any]:
    """Every type inside one field's ``annotation`` (unions, lists, Annotated …, not the
    fields of models: those are fields of their own) that ``wanted`` picks, with its
    Annotated metadata when the type was annotated."""
    if get_origin(annotation) is Annotated:
        base = get_args(annotation)[0]
        if wanted(base):
            yield annotation
        else:
            yield from leaf_types(base, wanted)
    elif wanted(annotation):
        yield annotation
    elif not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        for argument in get_args(annotation):
            yield from leaf_types(argument, wanted)

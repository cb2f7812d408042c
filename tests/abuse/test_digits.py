"""Full-width digits (``１２``) in every number, amount, id and day of the contract (issue 18,
defect 12): Python's ``int()``, ``Decimal()`` and regex ``\\d`` read them, the contract does
not. Each is a 422 naming the field (unless the caller or the record is refused first)."""

from typing import Any

from tests.abuse.conftest import Walked
from tests.abuse.contract import body_with, digit_probe, problem_locs

REFUSED_FIRST = {401, 403, 404}
"""Answers a route may give before it validates its input: the caller or the record."""
UNMATCHED = "Not Found"
"""A path id declared ``{id:int}`` (to tell ``/contacts/12`` from ``/contacts/coverage-
alerts``) matches ASCII digits only: ``/contacts/１２`` is no route, a 404 "Not Found"."""
NO_UPSTREAM = "is not configured"
"""In-process, a route that calls another service gets no client: its dependency answers
503 before the input is validated (the e2e suites run it with one)."""


def refused_first(loc: tuple[Any, ...], response: Any) -> bool:
    detail = str(response.json().get("detail", ""))
    if response.status_code == 503 and NO_UPSTREAM in detail:
        return True
    if loc[0] == "path":
        return response.status_code == 404 and detail == UNMATCHED
    return response.status_code in REFUSED_FIRST


async def test_full_width_digits_are_422_everywhere(walked: Walked) -> None:
    wrong: list[str] = []
    refused_as_digits = 0
    for operation in walked.operations:
        cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for leaf in operation.parameter_leaves("query"):
            if probe := digit_probe(leaf.schema):
                cases.append((leaf.loc, {"params": {leaf.name: probe}}))
        for leaf in operation.parameter_leaves("path"):
            if probe := digit_probe(leaf.schema):
                cases.append((leaf.loc, {"url": operation.url({leaf.name: probe})}))
        for leaf in operation.body_leaves():
            if probe := digit_probe(leaf.schema):
                cases.append((leaf.loc, {"json": body_with(leaf, probe)}))
        for loc, request in cases:
            response = await walked.send(operation, **request)
            if response.status_code == 422 and list(loc) in problem_locs(response):
                refused_as_digits += 1
            elif not refused_first(loc, response):
                wrong.append(f"{operation} {loc}: {response.status_code} {response.text[:160]}")
    assert refused_as_digits > 20
    assert wrong == [], "\n".join(wrong)

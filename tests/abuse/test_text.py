"""NUL characters and overlong strings, in every text a request of the contract carries.

A NUL in a body or a filter was a 500 in all three services (issue 18, defect 7): it must
be a 422 naming the field, before any route, policy or database sees it. A string longer
than its ``maxLength`` is a 422 naming the field too (unless the caller is refused first).
"""

from typing import Any

from tests.abuse.conftest import Walked
from tests.abuse.contract import Leaf, body_with, is_free_text, is_text, problem_locs

NUL_TEXT = "abc\u0000def"
REFUSED_FIRST = {401, 403, 404}
"""Answers a route may give before it validates its input: the caller or the record."""


def nul_value(leaf: Leaf) -> Any:
    return [NUL_TEXT] if leaf.schema.get("type") == "array" else NUL_TEXT


async def test_a_nul_anywhere_is_422_naming_the_field(walked: Walked) -> None:
    wrong: list[str] = []
    probes = 0
    for operation in walked.operations:
        cases: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        for leaf in operation.parameter_leaves("query"):
            cases.append((leaf.name, leaf.loc, {"params": {leaf.name: nul_value(leaf)}}))
        for leaf in operation.body_leaves():
            if is_text(leaf.schema):
                cases.append((str(leaf.loc), leaf.loc, {"json": body_with(leaf, NUL_TEXT)}))
        if form := operation.form_body():
            for name in form.get("properties", {}):
                cases.append((name, ("body", name), {"data": {name: NUL_TEXT}}))
        if operation.parameter("path"):
            first = operation.parameter("path")[0]["name"]
            url = operation.url({first: "a%00b"})
            cases.append(("path", ("path",), {"url": url}))
        for label, loc, request in cases:
            probes += 1
            response = await walked.send(operation, **request)
            if response.status_code != 422 or list(loc) not in problem_locs(response):
                wrong.append(f"{operation} {label}: {response.status_code} {response.text[:160]}")
    assert probes > 30
    assert wrong == [], "\n".join(wrong)


def overlong(leaf: Leaf) -> str:
    return "字" * (int(leaf.schema["maxLength"]) + 1)


async def test_overlong_strings_are_refused_cleanly(walked: Walked) -> None:
    wrong: list[str] = []
    refused_as_too_long = 0
    for operation in walked.operations:
        cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for leaf in operation.parameter_leaves("query"):
            if is_free_text(leaf.schema):
                cases.append((leaf.loc, {"params": {leaf.name: overlong(leaf)}}))
        for leaf in operation.body_leaves():
            if is_free_text(leaf.schema):
                cases.append((leaf.loc, {"json": body_with(leaf, overlong(leaf))}))
        for loc, request in cases:
            response = await walked.send(operation, **request)
            if response.status_code == 422 and list(loc) in problem_locs(response):
                refused_as_too_long += 1
            elif response.status_code not in REFUSED_FIRST:
                wrong.append(f"{operation} {loc}: {response.status_code} {response.text[:160]}")
    assert refused_as_too_long > 20
    assert wrong == [], "\n".join(wrong)

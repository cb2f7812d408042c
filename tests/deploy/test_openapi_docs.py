"""The committed OpenAPI documents are the ones the code serves (a contract change shows in
review); the merged one is good to use from Swagger UI."""

import pytest

from deploy.openapi_docs import (
    REGENERATE,
    committed_document,
    current_documents,
    differences,
)


@pytest.fixture(scope="module")
def served() -> dict[str, dict]:
    return current_documents()


@pytest.mark.parametrize("name", ["clients", "staff", "kpi", "gateway"])
def test_committed_document_matches_the_served_one(served: dict[str, dict], name: str) -> None:
    found = differences(served[name], committed_document(name))
    hint = "\n".join(found[:30])
    assert found == [], f"docs/openapi/{name}.json is stale:\n{hint}\nregenerate: {REGENERATE}"


def operations(document: dict) -> list[dict]:
    return [
        operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
    ]


def test_merged_contract_is_usable_from_the_gateway(served: dict[str, dict]) -> None:
    merged = served["gateway"]
    assert merged["servers"] == [{"url": "/"}]  # the page's own origin: the gateway
    ids = [operation["operationId"] for operation in operations(merged)]
    assert len(ids) == len(set(ids))
    assert [group["name"] for group in merged["x-tagGroups"]] == ["clients", "staff", "kpi"]
    grouped = {tag for group in merged["x-tagGroups"] for tag in group["tags"]}
    assert grouped == {tag["name"] for tag in merged["tags"]}
    schemes = merged["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "apiKey", "name": "X-API-Key"}


@pytest.mark.parametrize("name", ["clients", "staff", "kpi", "gateway"])
def test_every_error_answer_is_problem_json(served: dict[str, dict], name: str) -> None:
    wrong = [
        f"{operation['operationId']} {status}"
        for operation in operations(served[name])
        for status, answer in operation["responses"].items()
        if status[0] in "45"
        and (
            set(answer.get("content", {})) != {"application/problem+json"}
            or answer["content"]["application/problem+json"].get("schema")
            != {"$ref": "#/components/schemas/Problem"}
            # Each answer shows an example of its own operation (shared/problem_examples.py).
            or "example" not in answer["content"]["application/problem+json"]
        )
    ]
    assert wrong == []
    assert all("500" in operation["responses"] for operation in operations(served[name]))
    assert "HTTPValidationError" not in served[name]["components"]["schemas"]


def test_the_gateway_documents_what_it_answers_itself(served: dict[str, dict]) -> None:
    listing = served["gateway"]["paths"]["/v1/clients/accounts"]
    assert {"429", "502", "503", "504"} <= set(listing["get"]["responses"])
    assert "413" in listing["post"]["responses"]
    token = served["gateway"]["paths"]["/v1/auth/token"]["post"]
    # Public: no principal for the gateway to limit; the 429 is staff's sign-in throttle.
    assert "sign-in-throttled" in token["responses"]["429"]["description"]


def test_differences_name_what_changed(served: dict[str, dict]) -> None:
    import copy

    changed = copy.deepcopy(served["kpi"])
    changed["paths"]["/v1/kpi/new"] = {"get": {"responses": {}}}
    del changed["components"]["schemas"]["Problem"]
    assert differences(changed, served["kpi"]) == [
        "new operation GET /v1/kpi/new",
        "removed schema Problem",
    ]
    assert differences(served["kpi"], None) == ["no committed document"]

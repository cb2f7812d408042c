import pytest

from gateway.openapi_merge import merge_openapi


def doc(path: str, tag: str, schemas: dict) -> dict:
    return {
        "openapi": "3.1.0",
        "paths": {path: {"get": {"tags": [tag], "operationId": f"{tag}-get"}}},
        "components": {"schemas": schemas},
        "tags": [{"name": tag}],
    }


def test_paths_and_tag_groups_of_every_service() -> None:
    merged = merge_openapi(
        {"clients": doc("/v1/clients/a", "accounts", {}), "kpi": doc("/v1/kpi/i", "indicators", {})}
    )
    assert set(merged["paths"]) == {"/v1/clients/a", "/v1/kpi/i"}
    assert merged["x-tagGroups"] == [
        {"name": "clients", "tags": ["accounts"]},
        {"name": "kpi", "tags": ["indicators"]},
    ]


def test_paths_the_gateway_does_not_route_are_left_out() -> None:
    staff = doc("/v1/staff/a", "departments", {})
    staff["paths"]["/v1/auth/service-token"] = {"post": {"tags": ["auth"]}}
    clients = doc("/v1/clients/internal/org/employees", "clients-org", {})
    merged = merge_openapi({"staff": staff, "clients": clients})
    assert set(merged["paths"]) == {"/v1/staff/a"}
    assert merged["x-tagGroups"][0] == {"name": "staff", "tags": ["departments"]}


def test_identical_schemas_are_shared_and_different_ones_renamed() -> None:
    problem = {"type": "object", "properties": {"status": {"type": "integer"}}}
    a = doc("/v1/clients/a", "accounts", {"Problem": problem, "Item": {"type": "string"}})
    b = doc("/v1/staff/b", "departments", {"Problem": problem, "Item": {"type": "integer"}})
    b["paths"]["/v1/staff/b"]["get"]["responses"] = {
        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
    }
    merged = merge_openapi({"clients": a, "staff": b})
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Problem", "Item", "StaffItem"}
    assert schemas["StaffItem"] == {"type": "integer", "title": "StaffItem"}
    ref = merged["paths"]["/v1/staff/b"]["get"]["responses"]["200"]["content"]
    assert ref["application/json"]["schema"]["$ref"] == "#/components/schemas/StaffItem"


def test_a_schema_referring_to_a_renamed_one_is_renamed_too() -> None:
    def page_of(item: dict) -> dict:
        return {
            "Item": item,
            "Page": {"properties": {"items": {"$ref": "#/components/schemas/Item"}}},
        }

    a = doc("/v1/clients/a", "accounts", page_of({"type": "string"}))
    b = doc("/v1/staff/b", "audit", page_of({"type": "integer"}))
    for document, path in ((a, "/v1/clients/a"), (b, "/v1/staff/b")):
        document["paths"][path]["get"]["responses"] = {
            "200": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}
            }
        }
    merged = merge_openapi({"clients": a, "staff": b})
    schemas = merged["components"]["schemas"]
    assert schemas["Page"]["properties"]["items"]["$ref"] == "#/components/schemas/Item"
    assert schemas["StaffPage"]["properties"]["items"]["$ref"] == "#/components/schemas/StaffItem"
    ref = merged["paths"]["/v1/staff/b"]["get"]["responses"]["200"]["content"]
    assert ref["application/json"]["schema"]["$ref"] == "#/components/schemas/StaffPage"


def test_a_path_served_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="served by two services"):
        merge_openapi({"a": doc("/v1/x", "t", {}), "b": doc("/v1/x", "u", {})})


def test_an_operation_id_taken_by_another_service_is_prefixed() -> None:
    merged = merge_openapi({"a": doc("/v1/a/x", "audit", {}), "b": doc("/v1/b/x", "audit", {})})
    assert merged["paths"]["/v1/a/x"]["get"]["operationId"] == "audit-get"
    assert merged["paths"]["/v1/b/x"]["get"]["operationId"] == "b_audit-get"


def test_tags_name_their_service_and_gateway_errors_are_documented() -> None:
    document = doc("/v1/clients/a", "accounts", {})
    document["tags"] = [{"name": "accounts", "description": "大客户"}]
    document["paths"]["/v1/clients/a"]["get"]["security"] = [{"ApiKey": []}]
    merged = merge_openapi({"clients": document})
    assert merged["tags"] == [{"name": "accounts", "description": "**clients** · 大客户"}]
    responses = merged["paths"]["/v1/clients/a"]["get"]["responses"]
    assert set(responses) == {"429", "502", "503", "504"}
    assert responses["503"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }


def test_every_schema_is_titled_by_its_component_name() -> None:
    # Generators name models by title: two "Page[AuditEntryRead]" titles were one model.
    page = {"title": "Page[AuditEntryRead]", "type": "object", "properties": {}}
    a = doc("/v1/clients/a", "accounts", {"Page_AuditEntryRead_": page})
    b = doc("/v1/staff/b", "audit", {"Page_AuditEntryRead_": {**page, "required": ["items"]}})
    for document, path in ((a, "/v1/clients/a"), (b, "/v1/staff/b")):
        document["paths"][path]["get"]["responses"] = {
            "200": {
                "content": {"application/json": {"schema": {"$ref": REF + "Page_AuditEntryRead_"}}}
            }
        }
    schemas = merge_openapi({"clients": a, "staff": b})["components"]["schemas"]
    assert {name: schema["title"] for name, schema in schemas.items()} == {
        "Page_AuditEntryRead_": "Page_AuditEntryRead_",
        "StaffPage_AuditEntryRead_": "StaffPage_AuditEntryRead_",
    }


REF = "#/components/schemas/"
SERVICES_ONLY = {"roles": [], "scopes": [], "services": True}
SHARED = {"$ref": REF + "Shared"}


def test_operations_only_services_call_are_left_out_with_their_schemas_and_tags() -> None:
    staff = doc("/v1/staff/a", "departments", {"Shared": {}, "Floors": {}, "FloorItem": {}})
    staff["paths"]["/v1/staff/a"]["get"]["responses"] = {
        "200": {"content": {"application/json": {"schema": {"$ref": REF + "Shared"}}}}
    }
    staff["paths"]["/v1/auth/token-floors"] = {
        "get": {
            "tags": ["floors"],
            "operationId": "token_floors",
            "x-kam-policy": SERVICES_ONLY,
            "responses": {
                "200": {"content": {"application/json": {"schema": {"$ref": REF + "Floors"}}}}
            },
        }
    }
    staff["components"]["schemas"]["Floors"] = {"properties": {"x": {"$ref": REF + "FloorItem"}}}
    staff["paths"]["/v1/staff/handovers"] = {
        "post": {"tags": ["departments"], "x-kam-audience": "services",
                 "x-kam-policy": {"roles": ["admin"], "services": True},
                 "requestBody": {"content": {"application/json": {"schema": SHARED}}}},
        "get": {"tags": ["departments"], "x-kam-policy": {"roles": ["admin"], "services": True}},
    }  # fmt: skip
    staff["tags"].append({"name": "floors"})
    merged = merge_openapi({"staff": staff})
    assert set(merged["paths"]) == {"/v1/staff/a", "/v1/staff/handovers"}
    assert set(merged["paths"]["/v1/staff/handovers"]) == {"get"}
    assert set(merged["components"]["schemas"]) == {"Shared"}  # still used by a public one
    assert [tag["name"] for tag in merged["tags"]] == ["departments"]
    assert merged["x-tagGroups"] == [{"name": "staff", "tags": ["departments"]}]

"""The indicator library API against the real database, each test rolled back."""

import httpx

BASE = "/v1/kpi/indicators"


async def test_create_list_get(kpi_client: httpx.AsyncClient) -> None:
    body = {
        "code": "t_visits", "name": "拜访完成率", "unit": "%", "kind": "automatic",
        "metric": "visit_completion_rate",
    }  # fmt: skip
    created = await kpi_client.post(BASE, json=body)
    assert created.status_code == 201, created.text
    indicator_id = created.json()["id"]
    assert (await kpi_client.get(f"{BASE}/{indicator_id}")).json()["code"] == "t_visits"
    listed = (await kpi_client.get(BASE, params={"kind": "automatic"})).json()["items"]
    assert "t_visits" in [i["code"] for i in listed]
    assert (await kpi_client.post(BASE, json=body)).status_code == 409


async def test_automatic_indicator_needs_a_metric(kpi_client: httpx.AsyncClient) -> None:
    response = await kpi_client.post(
        BASE, json={"code": "t_x", "name": "x", "unit": "%", "kind": "automatic"}
    )
    assert response.status_code == 422
    assert "metric" in response.json()["errors"][0]["msg"]


async def test_patch_needs_a_fresh_if_match_and_a_valid_rule(kpi_client: httpx.AsyncClient) -> None:
    created = await kpi_client.post(
        BASE, json={"code": "t_cost", "name": "费用控制", "unit": "%", "kind": "manual",
                    "direction": "lower_is_better"},
    )  # fmt: skip
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["ETag"]
    assert (await kpi_client.patch(url, json={"name": "x"})).status_code == 428
    stale = await kpi_client.patch(url, json={"name": "x"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    bad_rule = await kpi_client.patch(
        url, json={"scoring_rule": {"type": "linear", "cap": "90"}}, headers={"If-Match": etag}
    )
    assert bad_rule.status_code == 422
    assert (await kpi_client.get(url)).json()["name"] == "费用控制"
    changed = await kpi_client.patch(url, json={"name": "费用控制率"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed.headers["ETag"] == '"2"'
    listed = await kpi_client.get(BASE, params={"direction": "lower_is_better", "kind": "manual"})
    assert "t_cost" in [i["code"] for i in listed.json()["items"]]


async def test_an_invalid_scoring_rule_is_refused(kpi_client: httpx.AsyncClient) -> None:
    response = await kpi_client.post(
        BASE, json={"code": "t_bad", "name": "x", "unit": "%", "kind": "manual",
                    "scoring_rule": {"type": "banded", "bands": []}},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "scoring_rule"]

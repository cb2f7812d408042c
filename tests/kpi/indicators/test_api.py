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

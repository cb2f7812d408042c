"""Templates: weights total 100, indicators exist, published versions are frozen."""

import httpx

from tests.kpi.conftest import make_indicator, make_template, sheet

BASE = "/v1/kpi/templates"


async def _indicators(client: httpx.AsyncClient) -> tuple[int, int]:
    return await make_indicator(client, "tt_collection"), await make_indicator(client, "tt_sales")


async def test_weights_must_total_100_and_nothing_is_written(
    kpi_client: httpx.AsyncClient,
) -> None:
    collection, sales = await _indicators(kpi_client)
    body = {**sheet(collection, sales), "code": "T-BAD", "position_code": "KA-SPEC",
            "period_kind": "month"}  # fmt: skip
    body["sections"][1]["items"][0]["weight"] = "19.5"
    response = await kpi_client.post(BASE, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "weights must total exactly 100, got 99.5 (0.5 short)" in response.text
    assert (await kpi_client.get(BASE, params={"code": "T-BAD"})).json()["items"] == []


async def test_an_unknown_indicator_is_refused(kpi_client: httpx.AsyncClient) -> None:
    collection, _ = await _indicators(kpi_client)
    body = {**sheet(collection, 999999), "code": "T-GHOST", "position_code": "KA-SPEC",
            "period_kind": "month"}  # fmt: skip
    response = await kpi_client.post(BASE, json=body)
    assert response.status_code == 422
    assert response.json()["missing_indicator_ids"] == [999999]
    assert (await kpi_client.get(BASE, params={"code": "T-GHOST"})).json()["items"] == []


async def test_versions_publish_and_edit(kpi_client: httpx.AsyncClient) -> None:
    collection, sales = await _indicators(kpi_client)
    published = await make_template(kpi_client, collection, sales, code="T-VER")
    assert published["status"] == "published" and published["template_version"] == 1
    url = f"{BASE}/{published['id']}"
    stale = await kpi_client.put(url, json=sheet(collection, sales), headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    etag = (await kpi_client.get(url)).headers["ETag"]
    edited = await kpi_client.put(
        url, json=sheet(collection, sales, name="客户专员月度考核表(2027版)"),
        headers={"If-Match": etag},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    draft = edited.json()
    assert (draft["template_version"], draft["status"]) == (2, "draft")
    assert draft["id"] != published["id"]
    frozen = (await kpi_client.get(url)).json()
    assert (frozen["name"], frozen["status"]) == ("客户专员月度考核表", "published")
    second = await kpi_client.put(url, json=sheet(collection, sales), headers={"If-Match": etag})
    assert second.status_code == 409
    republish = await kpi_client.post(f"{url}/publish", headers={"If-Match": etag})
    assert republish.status_code == 409
    done = await kpi_client.post(
        f"{BASE}/{draft['id']}/publish", headers={"If-Match": edited.headers["ETag"]}
    )
    assert done.json()["status"] == "published"
    assert (await kpi_client.get(url)).json()["status"] == "retired"

"""Template items cite real duties; one template is in force per position and period kind.

Staff runs for real (its app, in this test's rolled-back transaction) and kpi asks it over
the shared service client. Position KT-SPEC's approved description (v1) has two duties:
  importance 1: 开发和维护所辖大客户      importance 2: 协助对账和催款
Position KT-DRAFT has only a draft description (never approved).
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.http_client import ServiceClient
from tests.conftest import _client_in_transaction, token_for
from tests.kpi.conftest import make_indicator, sheet
from tests.staff.conftest import SECOND_ADMIN, duty, make_department, make_position

BASE = "/v1/kpi/templates"


@pytest.fixture
async def kpi_with_staff(
    engines: dict[str, AsyncEngine], staff_client: httpx.AsyncClient
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """kpi whose staff client reaches the real staff app (service token of kpi)."""
    from services.kpi.app import create_app

    transport = staff_client._transport
    assert isinstance(transport, httpx.ASGITransport) and isinstance(transport.app, FastAPI)

    async def kpi_token() -> str:
        return token_for(subject="service:kpi")

    staff = ServiceClient(
        "staff", "http://staff", transport=httpx.ASGITransport(app=transport.app),
        token_source=kpi_token,
    )  # fmt: skip
    app = create_app()
    app.state.staff_client = staff
    async for kpi in _client_in_transaction(engines["kpi"], app):
        yield kpi, staff_client
    await staff.aclose()


async def _positions(staff: httpx.AsyncClient) -> None:
    department = await make_department(staff, "KT")
    await make_position(
        staff, "KT-SPEC", department["id"],
        duties=[duty(1, "开发和维护所辖大客户"), duty(2, "协助对账和催款")],
    )  # fmt: skip
    await make_position(staff, "KT-DRAFT", department["id"], approve=False)


def _body(indicators: tuple[int, int], code: str, position: str, **extra: Any) -> dict[str, Any]:
    return {**sheet(*indicators, **extra), "code": code, "position_code": position,
            "period_kind": "month"}  # fmt: skip


async def _publish(kpi: httpx.AsyncClient, created: httpx.Response) -> httpx.Response:
    return await kpi.post(
        f"{BASE}/{created.json()['id']}/publish", headers={"If-Match": created.headers["ETag"]}
    )


async def test_items_cite_duties_of_the_approved_description(
    kpi_with_staff: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    kpi, staff = kpi_with_staff
    await _positions(staff)
    indicators = (await make_indicator(kpi, "td_col"), await make_indicator(kpi, "td_sales"))

    ghost = await kpi.post(BASE, json=_body(
        indicators, "TD-GHOST", "KT-SPEC", duty={"importance": 1, "statement": "不存在的职责"}
    ))  # fmt: skip
    assert ghost.status_code == 422, ghost.text
    assert ghost.json()["item_keys"] == ["collection"]
    # The right statement at the wrong rank (it is duty 2, not 1) is not that duty either.
    wrong_rank = await kpi.post(BASE, json=_body(
        indicators, "TD-RANK", "KT-SPEC", duty={"importance": 1, "statement": "协助对账和催款"}
    ))  # fmt: skip
    assert wrong_rank.status_code == 422, wrong_rank.text
    first_duty = {"importance": 1, "statement": "开发和维护所辖大客户"}
    unapproved = await kpi.post(
        BASE, json=_body(indicators, "TD-DRAFT", "KT-DRAFT", duty=first_duty)
    )
    assert (
        unapproved.status_code == 422 and "no approved description" in unapproved.json()["detail"]
    )
    assert (await kpi.get(BASE, params={"code": "TD-GHOST"})).json()["items"] == []

    good = await kpi.post(BASE, json=_body(
        indicators, "TD-GOOD", "KT-SPEC", duty={"importance": 2, "statement": "协助对账和催款"}
    ))  # fmt: skip
    assert good.status_code == 201, good.text
    published = await _publish(kpi, good)
    assert published.status_code == 200, published.text
    assert published.json()["sections"][0]["items"][0]["duty"] == {
        "importance": 2, "statement": "协助对账和催款",
    }  # fmt: skip

    # Editing the published version into a new draft is checked the same way.
    edited = await kpi.put(
        f"{BASE}/{good.json()['id']}",
        json={k: v for k, v in _body(
            indicators, "TD-GOOD", "KT-SPEC", duty={"importance": 3, "statement": "协助对账和催款"}
        ).items() if k in ("name", "description", "sections")},
        headers={"If-Match": published.headers["ETag"]},
    )  # fmt: skip
    assert edited.status_code == 422, edited.text


async def test_one_template_in_force_per_position_and_period_kind(
    kpi_with_staff: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    kpi, staff = kpi_with_staff
    await _positions(staff)
    indicators = (await make_indicator(kpi, "tf_col"), await make_indicator(kpi, "tf_sales"))
    first = await kpi.post(BASE, json=_body(indicators, "TF-A", "KT-SPEC"))
    first_published = await _publish(kpi, first)
    assert first_published.status_code == 200

    second = await kpi.post(BASE, json=_body(indicators, "TF-B", "KT-SPEC"))
    refused = await _publish(kpi, second)
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicting_template_id"] == first.json()["id"]
    assert (await kpi.get(f"{BASE}/{second.json()['id']}")).json()["status"] == "draft"

    # Another period kind of the same position is a different slot.
    quarterly = await kpi.post(
        BASE, json={**_body(indicators, "TF-Q", "KT-SPEC"), "period_kind": "quarter"}
    )
    assert (await _publish(kpi, quarterly)).status_code == 200

    # Retiring the one in force frees the slot.
    retired = await kpi.post(
        f"{BASE}/{first.json()['id']}/retire",
        headers={"If-Match": first_published.headers["ETag"]},
    )
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    second_now = await kpi.get(f"{BASE}/{second.json()['id']}")
    published = await kpi.post(
        f"{BASE}/{second.json()['id']}/publish", headers={"If-Match": second_now.headers["ETag"]}
    )
    assert published.status_code == 200, published.text


async def test_publish_rechecks_duties_against_the_description_now_in_force(
    kpi_with_staff: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    kpi, staff = kpi_with_staff
    await _positions(staff)
    indicators = (await make_indicator(kpi, "tr_col"), await make_indicator(kpi, "tr_sales"))
    # The draft cites duty 2 (协助对账和催款) of KT-SPEC v1: valid when written.
    draft = await kpi.post(BASE, json=_body(
        indicators, "TR-A", "KT-SPEC", duty={"importance": 2, "statement": "协助对账和催款"}
    ))  # fmt: skip
    assert draft.status_code == 201, draft.text

    # Staff then approves v2 of KT-SPEC with only duty 1: the citation no longer exists.
    listed = await staff.get("/v1/staff/positions", params={"q": "KT-SPEC"})
    position_id = next(p["id"] for p in listed.json()["items"] if p["code"] == "KT-SPEC")
    base = f"/v1/staff/positions/{position_id}/versions"
    revised = await staff.post(f"{base}/1/revise")
    assert revised.status_code == 201, revised.text
    changed = await staff.patch(
        f"{base}/2", json={"duties": [duty(1, "开发和维护所辖大客户")]},
        headers={"If-Match": revised.headers["ETag"]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    submitted = await staff.post(f"{base}/2/submit", headers={"If-Match": changed.headers["ETag"]})
    assert submitted.status_code == 200, submitted.text
    approved = await staff.post(
        f"{base}/2/approve", headers={**SECOND_ADMIN, "If-Match": submitted.headers["ETag"]}
    )
    assert approved.status_code == 200, approved.text

    refused = await _publish(kpi, draft)
    assert refused.status_code == 409, refused.text
    assert refused.json()["item_keys"] == ["collection"]
    assert (await kpi.get(f"{BASE}/{draft.json()['id']}")).json()["status"] == "draft"

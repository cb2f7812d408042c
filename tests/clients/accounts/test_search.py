"""Account search: Chinese substrings, full pinyin, initials and credit-code prefixes, all
answered from the indexed ``search_text`` column."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.clients.accounts.search_keys import (
    KEY_SEPARATOR,
    pinyin_keys,
    search_term,
    search_text,
)
from tests.clients.conftest import ACCOUNTS, create_account, credit_code

HUAXIN = "北京华信科技有限公司"


def test_pinyin_keys_are_full_syllables_and_initials() -> None:
    assert pinyin_keys("北京华信") == ("beijinghuaxin", "bjhx")
    assert pinyin_keys("重庆银行") == ("chongqingyinhang", "cqyh")  # the phrase reading


def test_the_search_text_holds_names_pinyin_initials_and_code() -> None:
    keys = search_text(HUAXIN, "华信", "91110000MA0000000X").split(KEY_SEPARATOR)
    assert HUAXIN in keys
    assert "beijinghuaxinkejiyouxiangongsi" in keys
    assert "bjhxkjyxgs" in keys
    assert "huaxin" in keys and "hx" in keys
    assert "91110000ma0000000x" in keys
    assert len(keys) == len(set(keys))


def test_a_pinyin_term_loses_its_spaces_and_case() -> None:
    assert search_term(" Bei Jing ") == "beijing"
    assert search_term("北京 华信") == "北京 华信"
    assert KEY_SEPARATOR not in search_term("bj|hx")


han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(name=st.text(han, min_size=1, max_size=12), data=st.data())
def test_every_substring_of_a_name_and_its_pinyin_is_found(name: str, data: st.DataObject) -> None:
    column = search_text(name, None, None)
    start = data.draw(st.integers(0, len(name) - 1))
    end = data.draw(st.integers(start + 1, len(name)))
    assert search_term(name[start:end]) in column
    syllables, initials = pinyin_keys(name)
    assert search_term(syllables) in column and search_term(initials) in column
    assert KEY_SEPARATOR not in syllables + initials


async def _found(client: httpx.AsyncClient, q: str) -> list[str]:
    response = await client.get(ACCOUNTS, params={"q": q})
    assert response.status_code == 200, response.text
    return [item["legal_name"] for item in response.json()["items"]]


async def test_huaxin_is_found_by_pinyin_initials_and_credit_code(
    clients: httpx.AsyncClient,
) -> None:
    code = credit_code(4242)
    await create_account(clients, legal_name=HUAXIN, credit_code=code)
    await create_account(clients, legal_name="上海浦东发展有限公司")
    for q in ("华信", "beijing", "BeiJing", "bei jing", "bjhx", "bj", "huaxin", code[:8]):
        assert await _found(clients, q) == [HUAXIN], q
    assert await _found(clients, "guangzhou") == []
    assert await _found(clients, "shanghai") == ["上海浦东发展有限公司"]


async def test_the_search_column_follows_a_rename(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, legal_name="杭州西湖贸易有限公司")
    assert await _found(clients, "hzxh") == ["杭州西湖贸易有限公司"]
    renamed = await clients.patch(
        f"{ACCOUNTS}/{account['id']}",
        json={"legal_name": "南京紫金贸易有限公司", "short_name": "紫金"},
        headers={"If-Match": f'"{account["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert await _found(clients, "hzxh") == []
    assert await _found(clients, "njzj") == ["南京紫金贸易有限公司"]
    assert await _found(clients, "zijin") == ["南京紫金贸易有限公司"]


async def test_the_search_is_answered_by_the_trigram_index(
    engines: dict[str, AsyncEngine],
) -> None:
    async with engines["clients"].connect() as connection:
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await connection.execute(
            text("EXPLAIN SELECT id FROM clients.accounts WHERE search_text LIKE '%bjhx%'")
        )
        assert "ix_accounts_search_text" in "\n".join(row[0] for row in plan)

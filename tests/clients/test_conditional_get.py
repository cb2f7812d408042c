"""If-None-Match on reads (issue 21, shared/conditional_get.py): a current copy gets 304, a
stale one the record."""

import httpx
from hypothesis import given
from hypothesis import strategies as st

from shared.conditional_get import MAX_IF_NONE_MATCH, none_match
from tests.clients.conftest import ACCOUNTS, create_account


def test_weak_comparison_and_star() -> None:
    assert none_match('"3"', '"3"')
    assert none_match('W/"3"', '"3"')
    assert none_match('"1", "3"', 'W/"3"')
    assert none_match("*", '"7"')
    assert not none_match('"4"', '"3"')
    assert not none_match('"33"', '"3"')


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_tag_matches_exactly_its_own_version(current: int, held: int) -> None:
    assert none_match(f'"{held}"', f'"{current}"') == (held == current)


async def test_a_current_copy_is_not_sent_again(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}"
    first = await clients.get(url)
    etag = first.headers["etag"]
    same = await clients.get(url, headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert "x-request-id" in same.headers
    weak = await clients.get(url, headers={"If-None-Match": f'"999", W/{etag}'})
    assert weak.status_code == 304
    stale = await clients.get(url, headers={"If-None-Match": '"999"'})
    assert stale.status_code == 200 and stale.json() == first.json()
    changed = await clients.patch(url, json={"short_name": "改名"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    after = await clients.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag and after.json()["short_name"] == "改名"


async def test_a_missing_record_is_still_404(clients: httpx.AsyncClient) -> None:
    missing = await clients.get(f"{ACCOUNTS}/987654", headers={"If-None-Match": "*"})
    assert missing.status_code == 404


async def test_an_if_none_match_longer_than_the_contract_allows_is_400(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}"
    etag = (await clients.get(url)).headers["etag"]
    longest = (etag + ",") * 300  # (no spaces: one at the end would be trimmed)
    refused = await clients.get(url, headers={"If-None-Match": longest[: MAX_IF_NONE_MATCH + 1]})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert str(MAX_IF_NONE_MATCH) in refused.json()["detail"]
    kept = longest[: MAX_IF_NONE_MATCH - 2] + etag  # at the limit: still compared
    assert (
        await clients.get(url, headers={"If-None-Match": kept[-MAX_IF_NONE_MATCH:]})
    ).status_code == 304

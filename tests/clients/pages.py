"""Walking a list page by page, as a screen that scrolls does."""

from __future__ import annotations

from typing import Any

import httpx


async def every_page(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, Any],
    *,
    limit: int = 2,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every item of the list, following ``next_cursor`` with small pages."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")

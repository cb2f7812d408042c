"""Exchange rates: posting (who may, what is refused), the rate in force on a day, audit."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import KAM, acting
from tests.conftest import bearer

RATES = "/v1/clients/exchange-rates"


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


async def post_rate(
    client: httpx.AsyncClient,
    currency: str,
    on: date,
    rate: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.put(
        f"{RATES}/{currency}/{on.isoformat()}", json={"rate": rate}, headers=headers
    )


async def test_post_replace_and_read_the_rate_in_force(clients: httpx.AsyncClient) -> None:
    first, second = today() - timedelta(days=60), today() - timedelta(days=10)
    created = await clients.put(
        f"{RATES}/USD/{first}", json={"rate": "7.10000000", "source": "finance"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["rate"] == "7.10000000" and created.json()["source"] == "finance"
    assert created.headers["ETag"] == '"1"'
    same = await clients.put(f"{RATES}/USD/{first}", json={"rate": "7.1", "source": "finance"})
    assert same.status_code == 200 and same.json()["version"] == 1
    changed = await clients.put(f"{RATES}/USD/{first}", json={"rate": "7.05", "source": "erp"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert (await post_rate(clients, "USD", second, "7.3")).status_code == 201

    async def in_force(on: date) -> httpx.Response:
        return await clients.get(f"{RATES}/USD/on/{on}")

    assert (await in_force(first - timedelta(days=1))).status_code == 404
    middle = (await in_force(first + timedelta(days=5))).json()
    assert middle["rate"] == "7.05000000" and middle["effective_on"] == first.isoformat()
    assert middle["base_currency"] == "CNY"
    assert (await in_force(second)).json()["rate"] == "7.30000000"
    base = (await clients.get(f"{RATES}/CNY/on/{first}")).json()
    assert base["rate"] == "1" and base["effective_on"] is None

    listed = (await clients.get(RATES, params={"currency": "USD"})).json()["items"]
    assert [(r["effective_on"], r["rate"]) for r in listed] == [
        (first.isoformat(), "7.05000000"),
        (second.isoformat(), "7.30000000"),
    ]
    on_day = (
        await clients.get(RATES, params={"currency": "USD", "on_date": str(first + timedelta(1))})
    ).json()["items"]
    assert [r["effective_on"] for r in on_day] == [first.isoformat()]

    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "exchange_rate", "entity_id": created.json()["id"]}
    )
    actions = sorted(entry["action"] for entry in audit.json()["items"])
    assert actions == ["create", "update"]


async def test_bad_rates_are_refused_and_write_nothing(clients: httpx.AsyncClient) -> None:
    on = today() - timedelta(days=3)
    for currency, body in (
        ("CNY", {"rate": "1"}),  # the base currency has no rate
        ("usd", {"rate": "7.1"}),
        ("USDX", {"rate": "7.1"}),
        ("EUR", {"rate": "-7.1"}),
        ("EUR", {"rate": "0"}),
        ("EUR", {"rate": "abc"}),
        ("EUR", {"rate": 7.1}),
        ("EUR", {"rate": "7.123456789"}),
        ("EUR", {"rate": "7.1", "source": "rumour"}),
        ("EUR", {"rate": "7.1", "extra": 1}),
    ):
        response = await clients.put(f"{RATES}/{currency}/{on}", json=body)
        assert response.status_code == 422, (currency, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await clients.get(RATES, params={"currency": "EUR"})).json()["items"] == []
    assert (await clients.get(f"{RATES}/EUR/on/{on}")).status_code == 404


async def test_who_may_post_rates(clients: httpx.AsyncClient) -> None:
    on = today() - timedelta(days=2)
    refused = await post_rate(clients, "JPY", on, "0.05", headers=acting(KAM, Role.ACCOUNT_MANAGER))
    assert refused.status_code == 403
    for role in (Role.TEAM_LEAD, Role.EXECUTIVE):
        assert (
            await post_rate(clients, "JPY", on, "0.05", headers=bearer(role))
        ).status_code == 403
    assert (
        await post_rate(clients, "JPY", on, "0.05", headers=bearer(Role.FINANCE))
    ).status_code == 201
    assert (
        await post_rate(clients, "JPY", on, "0.06", headers=bearer(Role.DEPT_MANAGER))
    ).status_code == 200
    readable = await clients.get(f"{RATES}/JPY/on/{on}", headers=acting(KAM, Role.ACCOUNT_MANAGER))
    assert readable.status_code == 200 and readable.json()["rate"] == "0.06000000"

"""HTTP endpoints of exchange rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.dependencies import ActorId, RateServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_RATES
from services.clients.rates.rules import CURRENCY_PATTERN
from services.clients.rates.schemas import ExchangeRateRead, ExchangeRateSet, RateInForce
from shared.concurrency import etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, keyset_page
from shared.periods import IsoDay

router = APIRouter(prefix="/v1/clients/exchange-rates", tags=["exchange-rates"])

CurrencyPath = Annotated[
    str,
    Path(pattern=CURRENCY_PATTERN, max_length=3, description="ISO 4217 code, e.g. USD."),
]


@router.get(
    "",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[ExchangeRateRead],
    summary="List posted exchange rates",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_exchange_rates(
    service: RateServiceDep,
    currency: Annotated[str | None, Query(pattern=CURRENCY_PATTERN, max_length=3)] = None,
    on_date: Annotated[
        IsoDay | None, Query(description="Only the rate in force on this day, per currency.")
    ] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ExchangeRateRead]:
    rows = await service.list(
        currency=currency, on=on_date, after_id=cursor_id(cursor), limit=limit
    )
    return keyset_page([ExchangeRateRead.model_validate(row) for row in rows], limit)


@router.put(
    "/{currency}/{effective_on}",
    dependencies=[Depends(WRITE_RATES)],
    response_model=ExchangeRateRead,
    summary="Post the rate of a currency from a day on (create or replace)",
    description="Contracts already signed keep the base value they were signed at.",
    responses={
        201: {"model": ExchangeRateRead, "description": "Created: no rate from that day yet"},
        **problem_responses(401, 403, 409, 422),
    },
    openapi_extra=answer_headers(200, etag=True),
)
async def put_exchange_rate(
    currency: CurrencyPath,
    effective_on: IsoDay,
    data: ExchangeRateSet,
    service: RateServiceDep,
    actor: ActorId,
    response: Response,
) -> ExchangeRateRead:
    rate, created = await service.put(currency, effective_on, data, actor)
    if created:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = etag_for(rate.version)
    return ExchangeRateRead.model_validate(rate)


@router.get(
    "/{currency}/on/{on_date}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=RateInForce,
    summary="The rate of a currency in force on a day",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_rate_in_force(
    currency: CurrencyPath, on_date: IsoDay, service: RateServiceDep
) -> RateInForce:
    return await service.in_force(currency, on_date)

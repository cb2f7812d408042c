"""HTTP endpoints of the product catalogue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.catalogue.models import Product
from services.clients.catalogue.schemas import ProductCreate, ProductRead, ProductUpdate
from services.clients.catalogue.service import CatalogueService
from services.clients.dependencies import ActorId, CatalogueServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import MANAGE_CATALOGUE, READ_DIRECTORY
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["catalogue"])

ProductIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The product's id.")]


def _one(product: Product, response: Response) -> ProductRead:
    read = CatalogueService.read(product)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/products",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=Page[ProductRead],
    summary="List the catalogue's products and services (cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_products(
    service: CatalogueServiceDep,
    active: Annotated[bool | None, Query(description="Only active (or retired) ones.")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Text in code or name.")
    ] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ProductRead]:
    rows = await service.list(active=active, text=q, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([service.read(row) for row in rows], limit)


@router.post(
    "/products",
    dependencies=[Depends(MANAGE_CATALOGUE)],
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a product or service to the catalogue",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_product(
    data: ProductCreate, service: CatalogueServiceDep, actor: ActorId, response: Response
) -> ProductRead:
    product = await service.create(data, actor)
    response.headers["Location"] = f"{router.prefix}/products/{product.id}"
    return _one(product, response)


@router.get(
    "/products/{product_id}",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=ProductRead,
    summary="Get one product",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_product(
    product_id: ProductIdPath, service: CatalogueServiceDep, response: Response
) -> ProductRead:
    return _one(await service.get(product_id), response)


@router.patch(
    "/products/{product_id}",
    dependencies=[Depends(MANAGE_CATALOGUE)],
    response_model=ProductRead,
    summary="Change or retire a product (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428, 400),
)
async def update_product(
    product_id: ProductIdPath,
    data: ProductUpdate,
    service: CatalogueServiceDep,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ProductRead:
    return _one(await service.update(product_id, data, if_match, actor), response)

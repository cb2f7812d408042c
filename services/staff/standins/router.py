"""HTTP endpoints of stand-ins (代理): naming, cancelling, and asking who acts for whom."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.staff.access import OWN_INBOX, READ_ORG
from services.staff.clock import NowDep
from services.staff.dependencies import StandInServiceDep, TodayDep
from services.staff.standins.schemas import MyStandIns, StandInCreate, StandInRead
from shared.auth.principal import Principal
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, cursor_key, keyset_page
from shared.periods import IsoDay

router = APIRouter(prefix="/v1/staff/stand-ins", tags=["stand-ins"])
me = APIRouter(prefix="/v1/me/stand-ins", tags=["stand-ins"])

Person = Annotated[Principal, Depends(OWN_INBOX)]
EmployeeId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.post(
    "",
    response_model=StandInRead,
    status_code=status.HTTP_201_CREATED,
    summary="Name a stand-in for an absent person (the person, their manager or an admin)",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def name_stand_in(
    data: StandInCreate, actor: Person, service: StandInServiceDep, response: Response
) -> StandInRead:
    created = StandInRead.model_validate(await service.name(actor, data))
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.get(
    "",
    response_model=Page[StandInRead],
    summary="Stand-ins: who stands in for X on day D, whom Y stands in for on day D",
    description="`absent_employee_id=X&on=D`: who acts for X on D; "
    "`stand_in_employee_id=Y&on=D`: for whom Y acts on D. Days are company-calendar days.",
    dependencies=[Depends(READ_ORG)],
    responses=problem_responses(400, 401, 403, 422),
)
async def list_stand_ins(
    service: StandInServiceDep,
    absent_employee_id: EmployeeId = None,
    stand_in_employee_id: EmployeeId = None,
    on: Annotated[IsoDay | None, Query(description="Only those covering this day.")] = None,
    include_cancelled: bool = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[StandInRead]:
    after_id = cursor_key(cursor)
    rows = await service.find(
        absent_employee_id=absent_employee_id,
        stand_in_employee_id=stand_in_employee_id,
        on=on,
        include_cancelled=include_cancelled,
        after_id=after_id,
        limit=limit,
    )
    return keyset_page([StandInRead.model_validate(row) for row in rows], limit)


@router.delete(
    "/{stand_in_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cancel a stand-in (it ends now)",
    responses=problem_responses(401, 403, 404, 422),
)
async def cancel_stand_in(
    stand_in_id: IdPath, actor: Person, service: StandInServiceDep, now: NowDep
) -> Response:
    await service.cancel(actor, stand_in_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@me.get(
    "",
    response_model=MyStandIns,
    summary="My stand-ins: who acts for me, and for whom I act today",
    responses=problem_responses(401, 403),
)
async def my_stand_ins(person: Person, service: StandInServiceDep, today: TodayDep) -> MyStandIns:
    if person.employee_id is None:
        return MyStandIns(today=today, named_for_me=[], standing_in_for_today=[])
    mine = await service.named_for(person.employee_id, today)
    acting = await service.find(
        absent_employee_id=None, stand_in_employee_id=person.employee_id, on=today, limit=200
    )
    return MyStandIns(
        today=today,
        named_for_me=[StandInRead.model_validate(row) for row in mine],
        standing_in_for_today=[StandInRead.model_validate(row) for row in acting],
    )

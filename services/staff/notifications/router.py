"""HTTP endpoints of notifications: my preferences; dead letters and jobs for administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from services.staff.access import OWN_INBOX
from services.staff.clock import NowDep
from services.staff.dependencies import NotificationServiceDep
from services.staff.notifications.lifespan import channel_dispatcher
from services.staff.notifications.schemas import (
    DeliveryRead,
    DeliveryRun,
    DigestRun,
    NotificationPreferences,
)
from shared.auth.policy import ADMIN_ONLY
from shared.auth.principal import Principal
from shared.errors import NotFound, problem_responses

me = APIRouter(prefix="/v1/me/notification-preferences", tags=["notifications"])
admin = APIRouter(prefix="/v1/staff/notifications", tags=["notifications"])

Person = Annotated[Principal, Depends(OWN_INBOX)]


def own_employee_id(person: Principal) -> int:
    if person.employee_id is None:
        raise NotFound("no employee record for this login")
    return person.employee_id


@me.get(
    "",
    response_model=NotificationPreferences,
    summary="My notification preferences: kinds × channels, quiet hours",
    responses=problem_responses(401, 403, 404),
)
async def my_preferences(
    person: Person, service: NotificationServiceDep
) -> NotificationPreferences:
    return await service.preferences(own_employee_id(person))


@me.put(
    "",
    response_model=NotificationPreferences,
    summary="Replace my notification preferences",
    responses=problem_responses(401, 403, 404, 422),
)
async def replace_my_preferences(
    wanted: NotificationPreferences, person: Person, service: NotificationServiceDep
) -> NotificationPreferences:
    return await service.replace_preferences(own_employee_id(person), wanted)


@admin.get(
    "/dead-letters",
    response_model=list[DeliveryRead],
    summary="Deliveries given up on (newest first)",
    dependencies=[Depends(ADMIN_ONLY)],
    responses=problem_responses(401, 403, 422),
)
async def dead_letters(
    service: NotificationServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryRead]:
    return [DeliveryRead.model_validate(d) for d in await service.dead_letters(limit)]


@admin.post(
    "/dead-letters/{delivery_id}/retry",
    response_model=DeliveryRead,
    summary="Send a dead delivery again (same delivery id)",
    dependencies=[Depends(ADMIN_ONLY)],
    responses=problem_responses(401, 403, 404, 422),
)
async def retry_dead_letter(
    delivery_id: Annotated[uuid.UUID, Path(description="The delivery id.")],
    service: NotificationServiceDep,
    now: NowDep,
) -> DeliveryRead:
    return DeliveryRead.model_validate(await service.retry(delivery_id, now))


@admin.post(
    "/jobs/deliver/run",
    response_model=DeliveryRun,
    summary="Run the delivery job now (with the service's clock)",
    dependencies=[Depends(ADMIN_ONLY)],
    responses=problem_responses(401, 403),
)
async def run_delivery_job(request: Request) -> DeliveryRun:
    return await channel_dispatcher(request.app).deliver_once()


@admin.post(
    "/jobs/digest/run",
    response_model=DigestRun,
    summary="Run the daily-digest job now (with the service's clock)",
    dependencies=[Depends(ADMIN_ONLY)],
    responses=problem_responses(401, 403),
)
async def run_digest_job(service: NotificationServiceDep, now: NowDep) -> DigestRun:
    return DigestRun(planned=await service.plan_digests(now))

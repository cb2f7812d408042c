"""HTTP endpoints of bonus bases (奖金基数) and rewards/penalties (奖惩)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.kpi.access import (
    DECIDE_REWARDS,
    MANAGE_BONUS,
    PROPOSE_REWARDS,
    READ_BONUS,
    READ_REWARDS,
    Caller,
)
from services.kpi.bonus.schemas import (
    BonusBaseRead,
    BonusBaseSet,
    Period,
    RewardPenaltyDecision,
    RewardPenaltyPropose,
    RewardPenaltyRead,
)
from services.kpi.dependencies import ActingEmployeeId, BonusServiceDep
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/kpi", tags=["bonus"])


@router.post(
    "/bonus-bases",
    dependencies=[Depends(MANAGE_BONUS)],
    response_model=BonusBaseRead,
    summary="Set the bonus base of a period for a position or a person (replaces it)",
    responses=problem_responses(401, 403, 404, 422),
)
async def set_bonus_base(
    data: BonusBaseSet, service: BonusServiceDep, actor: ActingEmployeeId
) -> BonusBaseRead:
    return await service.set_base(data, actor_employee_id=actor)


@router.get(
    "/bonus-bases",
    dependencies=[Depends(READ_BONUS)],
    response_model=list[BonusBaseRead],
    summary="The bonus bases of a period (positions', and the persons' in scope)",
    responses=problem_responses(401, 403, 422),
)
async def list_bonus_bases(
    service: BonusServiceDep, period: Annotated[Period, Query(examples=["2026-11"])]
) -> list[BonusBaseRead]:
    return await service.bases(period)


@router.post(
    "/cycles/{cycle_id}/rewards-penalties",
    dependencies=[Depends(PROPOSE_REWARDS)],
    status_code=status.HTTP_201_CREATED,
    response_model=RewardPenaltyRead,
    summary="Propose a reward or penalty (奖惩) for an employee of the cycle, with the reason",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def propose_reward_penalty(
    cycle_id: IdPath, data: RewardPenaltyPropose, service: BonusServiceDep,
    actor: ActingEmployeeId, response: Response,
) -> RewardPenaltyRead:  # fmt: skip
    proposed = await service.propose(cycle_id, data, actor_employee_id=actor)
    response.headers["Location"] = f"{router.prefix}/rewards-penalties/{proposed.id}"
    return proposed


@router.get(
    "/cycles/{cycle_id}/rewards-penalties",
    dependencies=[Depends(READ_REWARDS)],
    response_model=list[RewardPenaltyRead],
    summary="The cycle's rewards and penalties (of the employees in scope)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_rewards_penalties(
    cycle_id: IdPath, service: BonusServiceDep
) -> list[RewardPenaltyRead]:
    return await service.list_for_cycle(cycle_id)


@router.get(
    "/rewards-penalties/{reward_penalty_id}",
    dependencies=[Depends(READ_REWARDS)],
    response_model=RewardPenaltyRead,
    summary="One reward or penalty (of an employee in scope)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_reward_penalty(
    reward_penalty_id: IdPath, service: BonusServiceDep
) -> RewardPenaltyRead:
    return await service.read(reward_penalty_id)


@router.post(
    "/rewards-penalties/{reward_penalty_id}/approve",
    dependencies=[Depends(DECIDE_REWARDS)],
    response_model=RewardPenaltyRead,
    summary="Approve a reward or penalty (not the one who proposed it)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def approve_reward_penalty(
    reward_penalty_id: IdPath, data: RewardPenaltyDecision, service: BonusServiceDep,
    actor: ActingEmployeeId, principal: Caller,
) -> RewardPenaltyRead:  # fmt: skip
    return await service.decide(
        reward_penalty_id, data, approve=True, actor_employee_id=actor, actor=principal.subject
    )


@router.post(
    "/rewards-penalties/{reward_penalty_id}/reject",
    dependencies=[Depends(DECIDE_REWARDS)],
    response_model=RewardPenaltyRead,
    summary="Reject a reward or penalty (not the one who proposed it)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reject_reward_penalty(
    reward_penalty_id: IdPath, data: RewardPenaltyDecision, service: BonusServiceDep,
    actor: ActingEmployeeId, principal: Caller,
) -> RewardPenaltyRead:  # fmt: skip
    return await service.decide(
        reward_penalty_id, data, approve=False, actor_employee_id=actor, actor=principal.subject
    )

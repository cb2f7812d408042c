"""HTTP endpoints of ownership disputes (撞单)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.clients.dependencies import (
    AccountScope,
    ActorId,
    DisputeServiceDep,
    DisputeViewer,
)
from services.clients.disputes.rules import DisputeState
from services.clients.disputes.schemas import (
    DisputeDecision,
    OwnershipClaim,
    OwnershipDisputeRead,
)
from services.clients.keyset import cursor_id
from services.clients.policies import OWNERSHIP_DISPUTES
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import Forbidden, problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients/ownership-disputes", tags=["ownership"])

_VISIBILITY = (
    "A dispute is seen by its claimant, the account's owner, the arbiter, their managers, "
    "department managers and administrators; to anyone else it does not exist. Which "
    "account it is about (`account_id`, `owner_id`) is shown only to those who may see the "
    "account (the owner's line, the arbiter, the claimant once it is his)."
)


def _answer(response: Response, read: OwnershipDisputeRead) -> OwnershipDisputeRead:
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.post(
    "",
    dependencies=[Depends(OWNERSHIP_DISPUTES)],
    response_model=OwnershipDisputeRead,
    status_code=status.HTTP_201_CREATED,
    summary="Claim an account another manager owns (撞单)",
    description=(
        "For an account the caller sees (e.g. a likely duplicate found). If the owner's "
        "protection has lapsed (setting `ownership_protection_days` since the last activity "
        "on the account: visits made, tickets, opportunities, contact changes, the owner "
        "taking it), the claim is granted at once: the account and its open work move to "
        "the claimant (state `granted`). Otherwise the dispute waits for the lowest common "
        "manager of the two (`pending`), who gets an inbox item. 404 for an account the "
        "caller does not see; 422 when the claimant owns it already or may not be assigned; "
        "409 `dispute-open` while another dispute over it is pending."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def claim_ownership(
    data: OwnershipClaim,
    service: DisputeServiceDep,
    viewer: DisputeViewer,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> OwnershipDisputeRead:
    claimant = data.claimant_id if data.claimant_id is not None else actor
    if claimant is None:
        raise Forbidden("your login is not linked to an employee: name the claimant in claimant_id")
    dispute = await service.claim(
        data.account_id, data.reason, claimant_id=claimant, owner_ids=scope,
        actor_employee_id=actor,
    )  # fmt: skip
    revealed = await service.revealed([dispute], viewer, scope)
    response.headers["Location"] = f"{router.prefix}/{dispute.id}"
    return _answer(response, OwnershipDisputeRead.of(dispute, reveal=revealed[dispute.id or 0]))


@router.get(
    "",
    dependencies=[Depends(OWNERSHIP_DISPUTES)],
    response_model=Page[OwnershipDisputeRead],
    summary="Ownership disputes the caller sees, newest first",
    description=_VISIBILITY
    + " `state=pending&for_me=true` lists the disputes waiting for the caller's decision.",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_ownership_disputes(
    service: DisputeServiceDep,
    viewer: DisputeViewer,
    scope: AccountScope,
    state: DisputeState | None = None,
    for_me: Annotated[bool, Query(description="Only disputes the caller may decide.")] = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[OwnershipDisputeRead]:
    rows = await service.list(
        viewer, state=state, for_me=for_me, before_id=cursor_id(cursor), limit=limit
    )
    revealed = await service.revealed(rows, viewer, scope)
    items = [OwnershipDisputeRead.of(row, reveal=revealed[row.id or 0]) for row in rows]
    return keyset_page(items, limit)


@router.get(
    "/{ownership_dispute_id}",
    dependencies=[Depends(OWNERSHIP_DISPUTES)],
    response_model=OwnershipDisputeRead,
    summary="One ownership dispute",
    description=_VISIBILITY,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_ownership_dispute(
    ownership_dispute_id: IdPath,
    service: DisputeServiceDep,
    viewer: DisputeViewer,
    scope: AccountScope,
    response: Response,
) -> OwnershipDisputeRead:
    dispute = await service.get(ownership_dispute_id, viewer)
    revealed = await service.revealed([dispute], viewer, scope)
    return _answer(response, OwnershipDisputeRead.of(dispute, reveal=revealed[dispute.id or 0]))


@router.post(
    "/{ownership_dispute_id}/decision",
    dependencies=[Depends(OWNERSHIP_DISPUTES)],
    response_model=OwnershipDisputeRead,
    summary="Decide a pending ownership dispute (needs If-Match)",
    description=(
        "By the arbiter (the parties' lowest common manager; without one, a department "
        "manager or an administrator who is not a party). The decision and its reason are "
        "recorded in the account's ownership history; if the claimant wins, the account "
        "and its open work move to him. 403 for a caller who sees the dispute but does not "
        "decide it; 409 when it is decided already."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def decide_ownership_dispute(
    ownership_dispute_id: IdPath,
    data: DisputeDecision,
    service: DisputeServiceDep,
    viewer: DisputeViewer,
    scope: AccountScope,
    response: Response,
    if_match: IfMatch = None,
) -> OwnershipDisputeRead:
    dispute = await service.decide(
        ownership_dispute_id, viewer, winner=data.winner, reason=data.reason, if_match=if_match
    )
    revealed = await service.revealed([dispute], viewer, scope)
    return _answer(response, OwnershipDisputeRead.of(dispute, reveal=revealed[dispute.id or 0]))

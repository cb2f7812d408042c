"""HTTP endpoints of duplicates: the duplicate report, account and contact merges.

Sibling paths of ``/accounts`` and ``/contacts`` (``/account-duplicates``,
``/account-merges``, ``/contact-merges``), never a literal segment beside
``/accounts/{account_id}`` or ``/contacts/{contact_id}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.dependencies import AccountScope, ActorId, DuplicateServiceDep
from services.clients.duplicates.models import AccountMerge, ContactMerge, MergeRecord
from services.clients.duplicates.schemas import (
    AccountMergeCreate,
    AccountMergeRead,
    ContactMergeCreate,
    ContactMergeRead,
    DuplicateReport,
)
from services.clients.policies import MERGE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/clients", tags=["account-duplicates"])

AccountMergeIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The merge's id.")]
ContactMergeIdPath = AccountMergeIdPath
_MERGE = (
    "Every row of every table whose foreign key references the loser (found in the "
    "database catalogue, so tables added later move too: contacts' roles, tickets, "
    "contracts, grade, credit and ownership histories …) is pointed at the survivor; the "
    "loser's own row is kept in the merge and deleted, and `GET /v1/clients/accounts/{loser}` "
    "answers **308** with `Location` at the survivor. All or nothing: a refusal leaves both "
    "accounts as they were (a record that may exist only once per account, held by both, is "
    "a 409 unmet-prerequisite naming its constraint). Both accounts must be in the caller's "
    "scope (else 404, as if missing); `If-Match` is the survivor's ETag, `loser_etag` the "
    "loser's (412 when either is stale). Audited on the survivor. Undo within "
    "`CLIENTS_ACCOUNT_MERGE_UNDO_DAYS` (default 30)."
)


# What every merge route declares beside its model and words.
_CREATES_MERGE: dict[str, Any] = {
    "dependencies": [Depends(MERGE_ACCOUNTS)],
    "status_code": status.HTTP_201_CREATED,
    "responses": problem_responses(401, 403, 404, 409, 412, 422, 428),
    "openapi_extra": answer_headers(201, etag=True, location=True),
}
_READS_MERGE: dict[str, Any] = {
    "dependencies": [Depends(MERGE_ACCOUNTS)],
    "responses": problem_responses(401, 403, 404, 422),
    "openapi_extra": answer_headers(200, etag=True),
}
_UNDOES_MERGE: dict[str, Any] = {
    "dependencies": [Depends(MERGE_ACCOUNTS)],
    "responses": problem_responses(401, 403, 404, 409, 412, 422, 428),
    "openapi_extra": answer_headers(200, etag=True),
}


def _merge_fields(merge: MergeRecord) -> dict[str, Any]:
    return {
        "id": merge.id or 0,
        "survivor_id": merge.survivor_id,
        "loser_id": merge.loser_id,
        "reason": merge.reason,
        "actor_employee_id": merge.actor_employee_id,
        "moved": {key: len(rows) for key, rows in merge.moved.items()},
        "merged_at": merge.merged_at,
        "undo_until": merge.undo_until,
        "undone_at": merge.undone_at,
        "undone_by": merge.undone_by,
        "version": merge.version,
    }


def merge_read(merge: AccountMerge) -> AccountMergeRead:
    return AccountMergeRead(
        **_merge_fields(merge), loser_legal_name=str(merge.loser_row.get("legal_name", ""))
    )


def contact_merge_read(merge: ContactMerge) -> ContactMergeRead:
    return ContactMergeRead(
        **_merge_fields(merge),
        loser_name=str(merge.loser_row.get("name", "")),
        set_aside={key: len(rows) for key, rows in merge.set_aside.items()},
    )


def _answer(merge: AccountMerge, response: Response) -> AccountMergeRead:
    response.headers["ETag"] = etag_for(merge.version)
    return merge_read(merge)


def _contact_answer(merge: ContactMerge, response: Response) -> ContactMergeRead:
    response.headers["ETag"] = etag_for(merge.version)
    return contact_merge_read(merge)


@router.get(
    "/account-duplicates",
    dependencies=[Depends(MERGE_ACCOUNTS)],
    response_model=DuplicateReport,
    summary="Duplicate report: pairs of accounts with names alike",
    description=(
        "Pairs of accounts (not archived) whose names are alike: compared by their core "
        "(full-width to half-width, traditional to simplified, legal-form suffixes such as "
        "有限公司/集团 and a leading region stripped) and its pinyin, scored 0–100 (rapidfuzz "
        "ratio). `min_score` defaults to `CLIENTS_DUPLICATE_NAME_THRESHOLD` (90). A pair with "
        "an account outside the caller's scope is only counted (`hidden_pairs`)."
    ),
    responses=problem_responses(401, 403, 422),
)
async def duplicate_report(
    service: DuplicateServiceDep,
    scope: AccountScope,
    min_score: Annotated[int | None, Query(ge=50, le=100)] = None,
) -> DuplicateReport:
    return await service.report(scope, min_score)


@router.post(
    "/account-merges",
    response_model=AccountMergeRead,
    summary="Merge a duplicate account into another (needs If-Match of the survivor)",
    description=_MERGE,
    **_CREATES_MERGE,
)
async def merge_accounts(
    data: AccountMergeCreate,
    service: DuplicateServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> AccountMergeRead:
    merge = await service.merge(data, if_match, scope, actor)
    response.headers["Location"] = f"{router.prefix}/account-merges/{merge.id}"
    return _answer(merge, response)


@router.get(
    "/account-merges/{account_merge_id}",
    response_model=AccountMergeRead,
    summary="Get one account merge",
    description="Seen by whoever may merge and sees its survivor (else 404).",
    **_READS_MERGE,
)
async def get_merge(
    account_merge_id: AccountMergeIdPath,
    service: DuplicateServiceDep,
    scope: AccountScope,
    response: Response,
) -> AccountMergeRead:
    return _answer(await service.get_merge(account_merge_id, scope), response)


@router.post(
    "/account-merges/{account_merge_id}/undo",
    response_model=AccountMergeRead,
    summary="Undo an account merge (needs If-Match of the merge)",
    description=(
        "Within the undo period: the loser comes back with its own row (id, names, "
        "version + 1) and exactly the rows the merge moved that still point at the survivor "
        "move back (rows made on the survivor since stay). Already undone or past the "
        "period: 409 invalid-transition; the loser's credit code taken since: 409 "
        "unmet-prerequisite."
    ),
    **_UNDOES_MERGE,
)
async def undo_merge(
    account_merge_id: AccountMergeIdPath,
    service: DuplicateServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> AccountMergeRead:
    return _answer(await service.undo(account_merge_id, if_match, scope, actor), response)


_CONTACT_MERGE = (
    "Every row of every table whose foreign key references the loser contact (found in the "
    "database catalogue: its links to accounts, visits' contacts, contact touches, tickets, "
    "opportunities' key contacts, survey respondents …) is pointed at the survivor. A row "
    "the survivor holds already (the same account linked to both contacts: a unique "
    "constraint) is not refused: the survivor's row is kept and the loser's set aside in "
    "the merge (`set_aside`), for an undo. The loser's own row is kept in the merge and "
    "deleted, and `GET /v1/clients/contacts/{loser}` answers **308** with `Location` at the "
    "survivor. Both contacts must be visible to the caller as for reading them (else 404, "
    "as if missing); `If-Match` is the survivor's ETag, `loser_etag` the loser's (412 when "
    "either is stale). Audited on the survivor. Undo within "
    "`CLIENTS_ACCOUNT_MERGE_UNDO_DAYS` (default 30)."
)


@router.post(
    "/contact-merges",
    response_model=ContactMergeRead,
    summary="Merge a duplicate contact into another (needs If-Match of the survivor)",
    description=_CONTACT_MERGE,
    **_CREATES_MERGE,
)
async def merge_contacts(
    data: ContactMergeCreate,
    service: DuplicateServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContactMergeRead:
    merge = await service.merge_contacts(data, if_match, scope, actor)
    response.headers["Location"] = f"{router.prefix}/contact-merges/{merge.id}"
    return _contact_answer(merge, response)


@router.get(
    "/contact-merges/{contact_merge_id}",
    response_model=ContactMergeRead,
    summary="Get one contact merge",
    description="Seen by whoever may merge and sees its survivor contact (else 404).",
    **_READS_MERGE,
)
async def get_contact_merge(
    contact_merge_id: ContactMergeIdPath,
    service: DuplicateServiceDep,
    scope: AccountScope,
    response: Response,
) -> ContactMergeRead:
    return _contact_answer(await service.get_contact_merge(contact_merge_id, scope), response)


@router.post(
    "/contact-merges/{contact_merge_id}/undo",
    response_model=ContactMergeRead,
    summary="Undo a contact merge (needs If-Match of the merge)",
    description=(
        "Within the undo period: the loser comes back with its own row (id, personal data, "
        "version + 1), exactly the rows the merge moved that still point at the survivor "
        "move back, and the rows it set aside are inserted again (rows made on the survivor "
        "since stay). Already undone or past the period: 409 invalid-transition; a record "
        "made again since that may exist only once: 409 unmet-prerequisite."
    ),
    **_UNDOES_MERGE,
)
async def undo_contact_merge(
    contact_merge_id: ContactMergeIdPath,
    service: DuplicateServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContactMergeRead:
    merge = await service.undo_contact_merge(contact_merge_id, if_match, scope, actor)
    return _contact_answer(merge, response)

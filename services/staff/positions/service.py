"""Rules of position descriptions: lifecycle, one approved version in force, reporting lines.

Never commits: the request owns the transaction, so approving a version and retiring the one
it replaces happen together or not at all.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from services.staff.audit.recorder import audit_entry
from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.repository import EmployeeRepository
from services.staff.positions.models import Position, PositionVersion, VersionStatus
from services.staff.positions.repository import PositionRepository, PositionRow
from services.staff.positions.rules import (
    approver_candidates,
    approver_positions,
    diff_versions,
    peer_code_problems,
    reporting_cycle,
    same_person,
)
from services.staff.positions.schemas import (
    CONTENT_FIELDS,
    EDITABLE_FIELDS,
    PositionContent,
    PositionCreate,
    PositionVersionUpdate,
)
from shared.auth.principal import Principal, Role
from shared.concurrency import check_if_match
from shared.errors import (
    ConcurrentChange,
    Duplicate,
    Forbidden,
    HierarchyCycle,
    InvalidTransition,
    NotFound,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.periods import DEFAULT_TIMEZONE, company_day


def company_today() -> date:
    """Today in the company's calendar (authoring dates are local dates)."""
    return company_day(datetime.now(UTC), DEFAULT_TIMEZONE)


def reference_error(field: str, detail: str) -> UnprocessableContent:
    """A 422 naming the body field that refers to something that does not exist."""
    return UnprocessableContent(
        detail,
        extra={"errors": [{"loc": ["body", field], "msg": detail, "type": "reference"}]},
    )


def column_values(content: PositionContent) -> dict[str, Any]:
    """The content as the version's columns: JSON for the JSONB parts, a date as a date."""
    values = content.model_dump(mode="json")
    values["established_on"] = content.established_on
    return values


class ApprovalInbox(Protocol):
    """Where approvers are told of a version waiting for them (staff's inbox)."""

    async def awaiting_approval(
        self,
        approver_ids: Sequence[int],
        position_id: int,
        code: str,
        title: str,
        version_no: int,
        submitted_at: datetime,
    ) -> None: ...

    async def approval_answered(
        self, position_id: int, version_no: int, submitted_at: datetime
    ) -> None: ...


class PositionService:
    """Create, edit, review, approve, retire and compare position descriptions."""

    def __init__(
        self,
        repository: PositionRepository,
        departments: DepartmentRepository,
        org_events: OrgEventPublisher,
        employees: EmployeeRepository,
        approvals: ApprovalInbox | None = None,
    ) -> None:
        self.repository = repository
        self.departments = departments
        self.org_events = org_events
        self.employees = employees
        self.approvals = approvals

    async def get(self, position_id: int) -> Position:
        position = await self.repository.get(position_id)
        if position is None:
            raise NotFound(f"position {position_id} does not exist")
        return position

    async def get_row(self, position_id: int) -> PositionRow:
        rows = await self.repository.list(codes=[(await self.get(position_id)).code])
        return rows[0]

    async def get_version(self, position_id: int, version_no: int) -> PositionVersion:
        version = await self.repository.get_version(position_id, version_no)
        if version is None:
            raise NotFound(f"position {position_id} has no version {version_no}")
        return version

    async def get_version_for_update(self, position_id: int, version_no: int) -> PositionVersion:
        """The version, locked: its ``version`` and status cannot change under us until the
        transaction ends, so an If-Match or status check stays true while we write."""
        version = await self.repository.get_version_for_update(position_id, version_no)
        if version is None:
            raise NotFound(f"position {position_id} has no version {version_no}")
        return version

    async def list(
        self,
        *,
        department_id: int | None,
        status: VersionStatus | None,
        text_query: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[PositionRow]:
        return await self.repository.list(
            department_id=department_id,
            status=status,
            text_query=text_query,
            after_id=after_id,
            limit=limit,
        )

    async def list_versions(
        self, position_id: int, *, after_no: int | None, limit: int
    ) -> Sequence[PositionVersion]:
        await self.get(position_id)
        return await self.repository.list_versions(position_id, after_no=after_no, limit=limit)

    async def subordinates(self, position_id: int) -> Sequence[PositionRow]:
        """Direct subordinate positions (直接下级): those whose description reports here."""
        position = await self.get(position_id)
        return await self.repository.list(reports_to_code=position.code)

    async def _check_references(self, code: str, content: dict[str, Any]) -> None:
        if await self.departments.get(content["department_id"]) is None:
            raise reference_error(
                "department_id", f"department {content['department_id']} does not exist"
            )
        await self._check_named_positions(code, content)
        reports_to = content.get("reports_to_code")
        if reports_to is None:
            return
        if reports_to == code:
            raise HierarchyCycle(f"position {code} cannot report to itself")
        if await self.repository.get_by_code(reports_to) is None:
            raise reference_error("reports_to_code", f"position {reports_to} does not exist")
        cycle = reporting_cycle(code, reports_to, await self.repository.reporting_lines())
        if cycle is not None:
            raise HierarchyCycle(
                f"position {code} cannot report to {reports_to}: that would make a "
                f"reporting cycle {' -> '.join(cycle)}",
                extra={"cycle": cycle},
            )

    async def _check_named_positions(self, code: str, content: dict[str, Any]) -> None:
        """The named approver and the 同僚 positions must be other, existing positions."""
        approver = content.get("approver_code")
        if approver is not None and await self.repository.get_by_code(approver) is None:
            raise reference_error("approver_code", f"position {approver} does not exist")
        peers = list(content.get("peer_codes") or [])
        problems = peer_code_problems(code, peers)
        if problems:
            raise UnprocessableContent(
                "; ".join(problems),
                extra={
                    "errors": [
                        {"loc": ["body", "peer_codes"], "msg": msg, "type": "value_error"}
                        for msg in problems
                    ]
                },
            )
        existing = {p.code for p, _ in await self.repository.list(codes=peers)} if peers else set()
        missing = [peer for peer in peers if peer not in existing]
        if missing:
            raise reference_error("peer_codes", f"positions {', '.join(missing)} do not exist")

    async def _person(self, actor: Principal) -> str:
        """How 编写/审核/批准 names the caller: the employee's name, else the login."""
        if actor.employee_id is not None:
            employee = await self.employees.get(actor.employee_id)
            if employee is not None:
                return employee.name
        return actor.subject

    async def create(
        self, data: PositionCreate, *, actor: Principal | None = None
    ) -> tuple[Position, PositionVersion]:
        """A new position with draft version 1."""
        if await self.repository.get_by_code(data.code) is not None:
            raise Duplicate(f"a position with code {data.code} already exists")
        content = PositionContent.model_validate(data.model_dump(exclude={"code"}))
        values = column_values(content)
        await self._check_references(data.code, values)
        position = Position(code=data.code)
        try:
            await self.repository.add(position)
        except IntegrityError as exc:  # a concurrent create with the same code
            raise Duplicate(f"a position with code {data.code} already exists") from exc
        assert position.id is not None
        version = PositionVersion(
            position_id=position.id,
            version_no=1,
            created_by_employee_id=actor.employee_id if actor else None,
            created_by=actor.subject if actor else None,
            **values,
        )
        await self.repository.add(version)
        self._audit_version("position_created", version)
        return position, version

    async def update_draft(
        self, position_id: int, version_no: int, data: PositionVersionUpdate, if_match: str | None
    ) -> PositionVersion:
        """Change a draft; any other status is immutable (409). Two editors with the same
        ETag cannot both pass the check: the row is locked before it (one gets 412)."""
        position = await self.get(position_id)
        version = await self.get_version_for_update(position_id, version_no)
        check_if_match(if_match, version.version)
        if version.status != VersionStatus.DRAFT.value:
            raise InvalidTransition(
                f"version {version_no} of {position.code} is {version.status}; only a draft "
                "can be edited (revise an approved version to get a new draft)"
            )
        changes = data.model_dump(mode="json", exclude_unset=True)
        merged = {field: getattr(version, field) for field in EDITABLE_FIELDS} | changes
        values = column_values(PositionContent.model_validate(merged))
        await self._check_references(position.code, values)
        for field, value in values.items():
            setattr(version, field, value)
        version.version += 1
        await self.repository.add(version)
        self._audit_version("position_draft_updated", version)
        return version

    def _audit_version(self, action: str, version: PositionVersion) -> None:
        """One staff audit entry for a step in a position version's life (approval has its
        own, naming the version it retired)."""
        self.repository.session.add(
            audit_entry(
                action,
                entity="position_version",
                entity_id=f"{version.position_id} v{version.version_no}",
                status=version.status,
            )
        )

    async def _transition(
        self,
        position_id: int,
        version_no: int,
        if_match: str | None,
        allowed_from: tuple[VersionStatus, ...],
        action: str,
    ) -> tuple[Position, PositionVersion]:
        position = await self.get(position_id)
        version = await self.get_version_for_update(position_id, version_no)
        check_if_match(if_match, version.version)
        if version.status not in {s.value for s in allowed_from}:
            expected = " or ".join(s.value for s in allowed_from)
            raise InvalidTransition(
                f"cannot {action} version {version_no} of {position.code}: it is "
                f"{version.status}, not {expected}",
                extra={"current_status": version.status},
            )
        return position, version

    async def submit(
        self,
        position_id: int,
        version_no: int,
        if_match: str | None = None,
        *,
        actor: Principal | None = None,
    ) -> PositionVersion:
        """draft → in_review; the description must have duties and qualifications.

        The submitter is recorded and named as its writer (编写), today as 编制日期.
        """
        position, version = await self._transition(
            position_id, version_no, if_match, (VersionStatus.DRAFT,), "submit"
        )
        missing = [f for f in ("duties", "qualifications") if not getattr(version, f)]
        if missing:
            raise UnmetPrerequisite(
                f"version {version_no} of {position.code} is incomplete: "
                f"{', '.join(missing)} missing",
                extra={"missing": missing},
            )
        version.status = VersionStatus.IN_REVIEW.value
        submitted_at = version.submitted_at = datetime.now(UTC)
        version.submitted_by_employee_id = actor.employee_id if actor else None
        version.submitted_by = actor.subject if actor else None
        version.authoring = {
            "written_by": await self._person(actor) if actor else None,
            "written_on": company_today().isoformat(),
        }
        version.version += 1
        await self.repository.add(version)
        if self.approvals is not None:
            await self.approvals.awaiting_approval(
                await self._approver_ids(position.code, version),
                position_id, position.code, version.title, version_no, submitted_at,
            )  # fmt: skip
        self._audit_version("position_submitted", version)
        return version

    async def return_to_draft(
        self, position_id: int, version_no: int, if_match: str | None = None
    ) -> PositionVersion:
        """in_review → draft: the reviewer sends it back for changes."""
        _, version = await self._transition(
            position_id, version_no, if_match, (VersionStatus.IN_REVIEW,), "return"
        )
        await self._review_answered(version)
        version.status = VersionStatus.DRAFT.value
        version.version += 1
        await self.repository.add(version)
        self._audit_version("position_returned", version)
        return version

    async def approve(
        self,
        position_id: int,
        version_no: int,
        if_match: str | None = None,
        *,
        actor: Principal,
    ) -> PositionVersion:
        """in_review → approved, retiring the version in force until now (one transaction).

        Four eyes: the one who submitted cannot approve. The approver is the holder of the
        position the description names, else the department manager above it; at the top
        any department manager or an administrator (see :func:`approver_positions`).
        """
        position, version = await self._transition(
            position_id, version_no, if_match, (VersionStatus.IN_REVIEW,), "approve"
        )
        await self._check_approver(position.code, version, actor)
        await self._review_answered(version)
        now = datetime.now(UTC)
        previous = await self.repository.approved_version(position_id)
        if previous is not None:
            previous.status = VersionStatus.RETIRED.value
            previous.retired_at = now
            previous.version += 1
            await self.repository.add(previous)  # flushed first: one approved at a time
        version.status = VersionStatus.APPROVED.value
        version.approved_at = now
        version.approved_by_employee_id = actor.employee_id
        version.approved_by = actor.subject
        approver_name, today = await self._person(actor), company_today().isoformat()
        version.authoring = dict(version.authoring) | {
            "reviewed_by": approver_name,
            "reviewed_on": today,
            "approved_by": approver_name,
            "approved_on": today,
        }
        version.version += 1
        try:
            await self.repository.add(version)
        except IntegrityError as exc:  # another approval of this position won the race
            raise ConcurrentChange(f"{position.code} was approved concurrently; reload it") from exc
        self.repository.session.add(
            audit_entry(
                "position_approved",
                entity="position_version",
                entity_id=f"{position.code} v{version.version_no}",
                actor=actor.subject,
                retired_version=previous.version_no if previous is not None else None,
            )
        )
        await self.org_events.publish_for_positions([position.code])
        return version

    async def _department_heads(self, department_id: int) -> Sequence[str | None]:
        """Head positions from the department up to the root."""
        heads: builtins.list[str | None] = []
        seen: set[int] = set()
        current: int | None = department_id
        while current is not None and current not in seen:
            seen.add(current)
            department = await self.departments.get(current)
            if department is None:
                break
            heads.append(department.head_position_code)
            current = department.parent_id
        return heads

    async def _approver_ids(self, code: str, version: PositionVersion) -> builtins.list[int]:
        """Who is asked to approve: the holders of the nearest position that may approve
        (see :func:`approver_candidates`) other than the submitter; nobody at the top, where
        any manager or administrator may."""
        named = version.approver_code
        if named is not None and not await self.employees.current_holders([named]):
            named = None
        heads = await self._department_heads(version.department_id)
        for candidate in approver_candidates(code, named, heads):
            holders = await self.employees.current_holders([candidate])
            ids = [h.id for h in holders if h.id and h.id != version.submitted_by_employee_id]
            if ids:
                return ids
        return []

    async def _review_answered(self, version: PositionVersion) -> None:
        if self.approvals is not None and version.submitted_at is not None:
            await self.approvals.approval_answered(
                version.position_id, version.version_no, version.submitted_at
            )

    async def _check_approver(self, code: str, version: PositionVersion, actor: Principal) -> None:
        submitter = (version.submitted_by, version.submitted_by_employee_id)
        if same_person(submitter, (actor.subject, actor.employee_id)):
            raise Forbidden(
                f"version {version.version_no} of {code} was submitted by you; another "
                "person approves it (four eyes)"
            )
        if Role.ADMIN in actor.roles:
            return
        named = version.approver_code
        if named is not None and not await self.employees.current_holders([named]):
            named = None  # a vacant approver's position: the managers above approve
        expected = approver_positions(
            code, named, await self._department_heads(version.department_id)
        )
        if expected is None:  # nobody above: a second manager approves
            return
        holders = await self.employees.current_holders(sorted(expected))
        if actor.employee_id is None or actor.employee_id not in {h.id for h in holders}:
            raise Forbidden(
                f"version {version.version_no} of {code} is approved by the holder of "
                f"{', '.join(sorted(expected))} (or an administrator)",
                extra={"approver_codes": sorted(expected)},
            )

    async def retire(
        self, position_id: int, version_no: int, if_match: str | None = None
    ) -> PositionVersion:
        """Retire a version (an approved one stops being in force; a draft is discarded)."""
        position, version = await self._transition(
            position_id,
            version_no,
            if_match,
            (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED),
            "retire",
        )
        was_in_force = version.status == VersionStatus.APPROVED.value
        if version.status == VersionStatus.IN_REVIEW.value:
            await self._review_answered(version)
        version.status = VersionStatus.RETIRED.value
        version.retired_at = datetime.now(UTC)
        version.version += 1
        await self.repository.add(version)
        if was_in_force:
            await self.org_events.publish_for_positions([position.code])
        self._audit_version("position_retired", version)
        return version

    async def revise(
        self, position_id: int, from_version_no: int, *, actor: Principal | None = None
    ) -> PositionVersion:
        """A new draft copied from a version: how an approved description is edited."""
        position = await self.get(position_id)
        source = await self.get_version(position_id, from_version_no)
        open_version = await self.repository.open_version(position_id)
        if open_version is not None:
            raise Duplicate(
                f"{position.code} already has version {open_version.version_no} "
                f"({open_version.status}); edit or retire it first",
                extra={"open_version_no": open_version.version_no},
            )
        content = {field: getattr(source, field) for field in EDITABLE_FIELDS}
        draft = PositionVersion(
            position_id=position_id,
            version_no=await self.repository.last_version_no(position_id) + 1,
            created_by_employee_id=actor.employee_id if actor else None,
            created_by=actor.subject if actor else None,
            **content,
        )
        try:
            await self.repository.add(draft)
        except IntegrityError as exc:
            raise ConcurrentChange(
                f"{position.code} got a new version concurrently; reload it"
            ) from exc
        self._audit_version("position_revised", draft)
        return draft

    async def diff(
        self, position_id: int, from_version_no: int, to_version_no: int
    ) -> Sequence[dict[str, Any]]:
        """Field-level differences from one version to another."""
        before = await self.get_version(position_id, from_version_no)
        after = await self.get_version(position_id, to_version_no)
        return diff_versions(
            {f: getattr(before, f) for f in CONTENT_FIELDS},
            {f: getattr(after, f) for f in CONTENT_FIELDS},
            CONTENT_FIELDS,
        )

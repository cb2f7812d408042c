"""Rules of the department hierarchy. Never commits: the request owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from services.staff.audit.recorder import change_entry, changed_fields
from services.staff.departments.models import Department
from services.staff.departments.repository import DepartmentRepository
from services.staff.departments.schemas import DepartmentCreate, DepartmentUpdate
from shared.concurrency import check_if_match
from shared.errors import Duplicate, HierarchyCycle, NotFound, UnprocessableContent


class DepartmentService:
    """Create, change and list departments."""

    def __init__(self, repository: DepartmentRepository) -> None:
        self.repository = repository

    async def get(self, department_id: int) -> Department:
        department = await self.repository.get(department_id)
        if department is None:
            raise NotFound(f"department {department_id} does not exist")
        return department

    async def list(
        self, *, parent_id: int | None, text_query: str | None, after_id: int | None, limit: int
    ) -> Sequence[Department]:
        return await self.repository.list(
            parent_id=parent_id, text_query=text_query, after_id=after_id, limit=limit
        )

    async def _require_parent(self, parent_id: int | None) -> None:
        if parent_id is not None and await self.repository.get(parent_id) is None:
            raise UnprocessableContent(
                f"parent department {parent_id} does not exist",
                extra={
                    "errors": [
                        {
                            "loc": ["body", "parent_id"],
                            "msg": "unknown department",
                            "type": "reference",
                        }
                    ]
                },
            )

    async def create(self, data: DepartmentCreate) -> Department:
        await self._require_parent(data.parent_id)
        if await self.repository.get_by_code(data.code) is not None:
            raise Duplicate(f"a department with code {data.code} already exists")
        values = data.model_dump(mode="json")
        department = Department.model_validate(values)
        try:
            created = await self.repository.add(department)
        except IntegrityError as exc:  # a concurrent create with the same code
            raise Duplicate(f"a department with code {data.code} already exists") from exc
        self.repository.session.add(
            change_entry("department_created", entity="department", entity_id=created.id,
                         before=None, after=values)
        )  # fmt: skip
        return created

    async def update(
        self, department_id: int, data: DepartmentUpdate, if_match: str | None
    ) -> Department:
        """Apply a partial change; the row is locked before its version is compared, so
        two editors with the same ETag cannot both pass the check (one gets 412)."""
        department = await self.repository.get_for_update(department_id)
        if department is None:
            raise NotFound(f"department {department_id} does not exist")
        check_if_match(if_match, department.version)
        changes = data.model_dump(mode="json", exclude_unset=True)
        if "parent_id" in changes and changes["parent_id"] is not None:
            new_parent = changes["parent_id"]
            await self._require_parent(new_parent)
            if await self.repository.is_descendant(new_parent, department_id):
                raise HierarchyCycle(
                    f"department {department_id} cannot move under {new_parent}: "
                    "that is itself or one of its own sub-departments"
                )
        before = changed_fields(department, changes)
        for field, value in changes.items():
            setattr(department, field, value)
        department.version += 1
        self.repository.session.add(
            change_entry("department_updated", entity="department", entity_id=department_id,
                         before=before, after=changes)
        )  # fmt: skip
        return await self.repository.add(department)

"""Demo data of the staff service: the shipped key-account department catalogue."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.catalogue.loader import load_catalogue
from services.staff.departments.models import Department
from services.staff.departments.repository import DepartmentRepository


async def load_staff_demo(session: AsyncSession) -> None:
    """Add the catalogue's departments that are missing (by code), parents first."""
    catalogue = load_catalogue()
    repository = DepartmentRepository(session)
    ids_by_code: dict[str, int] = {}
    pending = list(catalogue.departments)
    while pending:
        remaining = []
        for spec in pending:
            if spec.parent_code is not None and spec.parent_code not in ids_by_code:
                remaining.append(spec)
                continue
            existing = await repository.get_by_code(spec.code)
            if existing is None:
                existing = await repository.add(
                    Department(
                        code=spec.code,
                        name=spec.name,
                        parent_id=ids_by_code.get(spec.parent_code or ""),
                        charter=spec.charter,
                        functions=[f.model_dump(mode="json") for f in spec.functions],
                        head_position_code=spec.head_position_code,
                        planned_headcount=spec.planned_headcount or 0,
                    )
                )
            assert existing.id is not None
            ids_by_code[spec.code] = existing.id
        if len(remaining) == len(pending):
            raise ValueError("the catalogue's departments do not form a tree")
        pending = remaining

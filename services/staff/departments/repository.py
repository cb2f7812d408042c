"""Every query on departments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.departments.models import Department


class DepartmentRepository:
    """Queries for departments, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, department_id: int) -> Department | None:
        return await self.session.get(Department, department_id)

    async def get_for_update(self, department_id: int) -> Department | None:
        """The department with its row locked until the transaction ends (for a change
        checked against the version the editor read)."""
        result = await self.session.exec(
            select(Department)
            .where(col(Department.id) == department_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def get_by_code(self, code: str) -> Department | None:
        result = await self.session.exec(select(Department).where(col(Department.code) == code))
        return result.first()

    async def list(
        self,
        *,
        parent_id: int | None,
        text_query: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Department]:
        query = select(Department).order_by(col(Department.id)).limit(limit)
        if parent_id is not None:
            query = query.where(col(Department.parent_id) == parent_id)
        if text_query:
            pattern = f"%{text_query}%"
            query = query.where(
                or_(col(Department.name).ilike(pattern), col(Department.code).ilike(pattern))
            )
        if after_id is not None:
            query = query.where(col(Department.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def is_descendant(self, candidate_id: int, ancestor_id: int) -> bool:
        """Whether ``candidate_id`` lies in the subtree of ``ancestor_id`` (itself included)."""
        sql = text(
            """
            WITH RECURSIVE subtree(id) AS (
                SELECT id FROM staff.departments WHERE id = :ancestor
                UNION
                SELECT d.id FROM staff.departments d JOIN subtree s ON d.parent_id = s.id
            )
            SELECT EXISTS (SELECT 1 FROM subtree WHERE id = :candidate)
            """
        )
        connection = await self.session.connection()
        result = await connection.execute(sql, {"ancestor": ancestor_id, "candidate": candidate_id})
        return bool(result.scalar_one())

    async def subtree_ids(self, ancestor_id: int) -> Sequence[int]:
        """The department and every department below it."""
        sql = text(
            """
            WITH RECURSIVE subtree(id) AS (
                SELECT id FROM staff.departments WHERE id = :ancestor
                UNION
                SELECT d.id FROM staff.departments d JOIN subtree s ON d.parent_id = s.id
            )
            SELECT id FROM subtree ORDER BY id
            """
        )
        connection = await self.session.connection()
        result = await connection.execute(sql, {"ancestor": ancestor_id})
        return [int(row[0]) for row in result]

    async def list_all(self) -> Sequence[Department]:
        """Every department, by id (the org chart needs the whole tree)."""
        result = await self.session.exec(select(Department).order_by(col(Department.id)))
        return result.all()

    async def count(self) -> int:
        result = await self.session.exec(select(func.count()).select_from(Department))
        return int(result.one())

    async def add(self, department: Department) -> Department:
        self.session.add(department)
        await self.session.flush()
        await self.session.refresh(department)
        return department

"""audit_log takes the shape shared by every service (shared.audit_log)

detail becomes after (existing entries keep their content there) beside a new before;
service, request_id, actor_employee_id, on_behalf_of and client_address are added.
Existing entries get service = 'staff' and no request facts (they were not recorded).

Revision ID: 8e41c2d7a5f3
Revises: 5b1f3c9a7d20
Create Date: 2026-12-05 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8e41c2d7a5f3"
down_revision: str | None = "5b1f3c9a7d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "staff"
JSON = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column(
        "audit_log",
        sa.Column("service", sa.String(length=20), server_default="staff", nullable=False),
        schema=SCHEMA,
    )
    op.alter_column("audit_log", "service", server_default=None, schema=SCHEMA)
    op.add_column("audit_log", sa.Column("request_id", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("actor_employee_id", sa.Integer()), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("on_behalf_of", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("client_address", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("before", JSON, nullable=True), schema=SCHEMA)
    op.alter_column(
        "audit_log",
        "detail",
        new_column_name="after",
        nullable=True,
        server_default=None,
        existing_type=JSON,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute("UPDATE staff.audit_log SET after = '{}' WHERE after IS NULL")
    op.alter_column(
        "audit_log",
        "after",
        new_column_name="detail",
        nullable=False,
        server_default="{}",
        existing_type=JSON,
        schema=SCHEMA,
    )
    for column in (
        "before",
        "client_address",
        "on_behalf_of",
        "actor_employee_id",
        "request_id",
        "service",
    ):
        op.drop_column("audit_log", column, schema=SCHEMA)

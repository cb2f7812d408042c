"""audit_log takes the shape shared by every service (shared.audit_log)

entity_id becomes text (staff names logins, routes; existing ids keep their digits);
service, request_id, actor, on_behalf_of and client_address are added, and action is
indexed as in the other services. Existing entries get service = 'clients'; refusals
written as action 'denied' are now 'access_denied', as staff and kpi write them.

Revision ID: 5d0c1a7e2b11
Revises: 5d0c1a7e2b10
Create Date: 2026-12-05 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b11"
down_revision: str | None = "5d0c1a7e2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.add_column(
        "audit_log",
        sa.Column("service", sa.String(length=20), server_default="clients", nullable=False),
        schema=SCHEMA,
    )
    op.alter_column("audit_log", "service", server_default=None, schema=SCHEMA)
    op.add_column("audit_log", sa.Column("request_id", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("actor", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("on_behalf_of", sa.String(length=64)), schema=SCHEMA)
    op.add_column("audit_log", sa.Column("client_address", sa.String(length=64)), schema=SCHEMA)
    op.alter_column(
        "audit_log",
        "entity_id",
        type_=sa.String(length=64),
        existing_type=sa.Integer(),
        nullable=True,
        postgresql_using="entity_id::text",
        schema=SCHEMA,
    )
    op.execute(
        "UPDATE clients.audit_log SET action = 'access_denied' "
        "WHERE entity = 'access' AND action = 'denied'"
    )
    op.create_index(
        op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False, schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log", schema=SCHEMA)
    op.execute(
        "UPDATE clients.audit_log SET action = 'denied' "
        "WHERE entity = 'access' AND action = 'access_denied'"
    )
    # Entries staff-style (a non-numeric entity id) have no place in the old shape.
    op.execute("DELETE FROM clients.audit_log WHERE entity_id IS NULL OR entity_id !~ '^[0-9]+$'")
    op.alter_column(
        "audit_log",
        "entity_id",
        type_=sa.Integer(),
        existing_type=sa.String(length=64),
        nullable=False,
        postgresql_using="entity_id::integer",
        schema=SCHEMA,
    )
    for column in ("client_address", "on_behalf_of", "actor", "request_id", "service"):
        op.drop_column("audit_log", column, schema=SCHEMA)

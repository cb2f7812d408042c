"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the staff service."""
    import services.staff.audit.models
    import services.staff.departments.models
    import services.staff.employees.models
    import services.staff.idempotency_keys
    import services.staff.identity.factor_models
    import services.staff.identity.models
    import services.staff.inbox.models
    import services.staff.notifications.models
    import services.staff.offboarding.models
    import services.staff.outbox
    import services.staff.positions.models
    import services.staff.standins.models  # noqa: F401

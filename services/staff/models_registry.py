"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the staff service."""
    import services.staff.departments.models  # noqa: F401

"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the KPI service."""
    import services.kpi.indicators.models  # noqa: F401

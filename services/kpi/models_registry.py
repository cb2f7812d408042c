"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the KPI service."""
    import services.kpi.appraisals.models
    import services.kpi.audit.models
    import services.kpi.bonus.models
    import services.kpi.cycles.models
    import services.kpi.idempotency_keys
    import services.kpi.indicators.models
    import services.kpi.org.models
    import services.kpi.outbox
    import services.kpi.targets.models
    import services.kpi.templates.models  # noqa: F401

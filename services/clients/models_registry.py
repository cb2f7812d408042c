"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the clients service."""
    import services.clients.accounts.models  # noqa: F401

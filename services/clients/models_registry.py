"""Imports every table module so the metadata is complete (for Alembic and tests)."""


def import_all() -> None:
    """Load all table definitions of the clients service."""
    import services.clients.accounts.models
    import services.clients.approvals.models
    import services.clients.assessments.models
    import services.clients.attachments.models
    import services.clients.audit.models
    import services.clients.bids.models
    import services.clients.calendar.models
    import services.clients.catalogue.models
    import services.clients.collection.models
    import services.clients.competitors.models
    import services.clients.competitors.presence_models
    import services.clients.contacts.models
    import services.clients.contracts.line_models
    import services.clients.contracts.models
    import services.clients.credit.models
    import services.clients.disputes.models
    import services.clients.duplicates.models
    import services.clients.erp.models
    import services.clients.grading.models
    import services.clients.notes.models
    import services.clients.opportunities.models
    import services.clients.org.models
    import services.clients.ownership.models
    import services.clients.quotations.models
    import services.clients.rates.models
    import services.clients.receivables.models
    import services.clients.surveys.models
    import services.clients.teams.models
    import services.clients.tickets.models
    import services.clients.timeline.indexes
    import services.clients.visits.models
    import services.clients.workitems.outbox  # noqa: F401

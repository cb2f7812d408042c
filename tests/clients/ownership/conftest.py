"""The bulk handover tests use the receivables tests' app (open collection tasks come from
ERP invoices)."""

from tests.clients.receivables.conftest import erp, erp_app

__all__ = ["erp", "erp_app"]

"""The collection tests use the receivables tests' app with an ERP webhook secret."""

from tests.clients.receivables.conftest import erp, erp_app

__all__ = ["erp", "erp_app"]

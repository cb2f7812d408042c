"""Receivables and collection (回款 / 催款): invoices, payments, ageing, dunning."""

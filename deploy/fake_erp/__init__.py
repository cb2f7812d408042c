"""A fake ERP for development and tests: a test double of the finance system we do not own.

It runs as its own process and speaks HTTP like the real one (``python -m deploy.fake_erp
--port 8009``): it keeps invoices and payments in memory, serves their changes as a feed
(``GET /api/changes``), pushes each change as a Standard Webhooks signed delivery to the
configured URL with retries, and can be told (``/control/...``) to create documents and to
misbehave: duplicate, reorder or delay deliveries, and answer the feed with a 500, garbage,
a huge body, a redirect, or not at all. The event JSON is in docs/contracts.md
("ERP → clients").
"""

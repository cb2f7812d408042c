"""The ERP link: pull sync (client, sync), webhook ingest and its inbox, reconciliation,
and the event contract (events) the ERP sends."""

"""Sync: ingest (envelope, idempotency, quarantine), the registry, a person's event log
(events), the bootstrap, the export."""

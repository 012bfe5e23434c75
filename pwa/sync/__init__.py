"""Sync: ingest (envelope, idempotency, quarantine), the registry, the bootstrap, the export."""

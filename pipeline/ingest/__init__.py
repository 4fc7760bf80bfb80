"""Ingest: read the fieldwork exports, reconcile records, join the sample frame."""

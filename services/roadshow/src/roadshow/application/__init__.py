"""Roadshow's application layer: pure functions the aggregates and routes call (no I/O)."""

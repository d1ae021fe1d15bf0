"""Benchmarks on the real local stack: ``python -m benchmarks.pipeline`` (``make bench``)."""

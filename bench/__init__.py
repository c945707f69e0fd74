"""Benchmarks: scripts that print figures for docs/benchmarks.md, and the synthetic archive they share."""

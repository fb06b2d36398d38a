"""Benchmarks and the synthetic graph generator."""

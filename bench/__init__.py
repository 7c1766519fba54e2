"""Benchmarks: quality and speed of the pipeline on public labelled data."""

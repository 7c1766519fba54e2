"""Tooling that makes the shipped model files; not installed with the pipeline.

    .venv/bin/python -m training.sentiment --datasets ../shared/datasets
"""

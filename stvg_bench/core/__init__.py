"""Foundations every other part of stvg-bench builds on: errors, geometry, ids, JSON and file I/O, registries.

Nothing here knows a dataset, a task or a metric.
"""

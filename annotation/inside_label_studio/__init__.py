"""Code that runs inside Label Studio's own interpreter, never imported by stvg-bench.

This folder is put on the ``PYTHONPATH`` of every Label Studio process that
``annotation.server`` starts: ``stvg_bench_settings`` (the Django settings:
Label Studio's own plus the guard), ``stvg_bench_guard`` (what an annotator
may change) and ``stvg_bench_accounts`` (accounts and passwords, read from
stdin). Their names are prefixed so that they cannot shadow Label Studio's
modules.
"""

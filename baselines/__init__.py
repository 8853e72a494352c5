"""Baseline runners: turn videos (and weights, where a method has them) into prediction files.

Installed by the ``baselines`` extra and plugged into ``stvg-bench baseline``
through the ``stvg_bench.plugins`` entry point (:mod:`baselines.plugin`).
Runners are registered lazily in :data:`stvg_bench.registries.BASELINES`, so
listing them imports neither torch nor any runner module.

Layout: :mod:`~baselines.info` (what a runner declares), :mod:`~baselines.params`
(``--param k=v``), :mod:`~baselines.plans` (frame plans), :mod:`~baselines.samples`
(what a runner is given), :mod:`~baselines.outputs` (what it returns),
:mod:`~baselines.runner` (the interface), ``runners/`` (the runners), ``video/``
(frame-accurate decoding), ``run/`` (run directories, executors, manifest, merge).

Baselines never import :mod:`stvg_bench.metrics` or :mod:`stvg_bench.tasks`: a
model must not be tuned against the scorer.
"""

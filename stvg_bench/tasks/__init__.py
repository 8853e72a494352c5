"""Tasks, registered in :data:`stvg_bench.registries.TASKS`: ``tube-grounding`` (VidSTG, HC-STVG) and
``action-spatial``, ``action-temporal``, ``action-spatio-temporal`` (GroundingYouTube, YouCook2-Interactions).

:class:`~stvg_bench.tasks.base.Evaluator` binds a task to a dataset, protocol and options.
"""

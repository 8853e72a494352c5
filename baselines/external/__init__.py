"""External runners: published STVG methods run from their own code, in their own environment.

``peers`` registers each peer (repository, pinned commit, entry point, output),
``layouts`` writes a shard's samples in the annotation layout the peer reads,
``launch`` runs the peer's evaluation as a subprocess with an explicit environment,
``convert`` turns the file it writes into :class:`~baselines.outputs.TubeOutput` objects.
No peer code is stored here; ``envs/<peer>.txt`` are the pip requirements of each peer's environment.
"""

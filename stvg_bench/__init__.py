"""stvg-bench: the reference scorer for spatio-temporal video grounding.

The public API is imported lazily so that ``stvg-bench`` starts fast:

* :func:`load_dataset` - a dataset split as columnar arrays (cached parse);
* :func:`load_predictions` / :func:`write_predictions` - prediction files in any registered format;
* :class:`Predictions` ``.from_arrays`` - tube predictions built in memory;
* :class:`Evaluator` / :func:`score` - scores of any task, with bootstrap intervals;
* :func:`get_protocol` - the named, versioned protocols;
* :func:`load_results` - a results file (version 1 or 2) read back;
* :data:`DATASETS`, :data:`FORMATS`, :data:`TASKS`, :data:`PROTOCOLS`, :data:`BASELINES` - the registries.
"""

__version__ = "0.2.0"

_LAZY = {
    "load_dataset": ("stvg_bench.datasets", "load_dataset"),
    "load_predictions": ("stvg_bench.formats", "load_predictions"),
    "write_predictions": ("stvg_bench.formats", "write_predictions"),
    "Predictions": ("stvg_bench.data.tubes", "Predictions"),
    "ActionPredictions": ("stvg_bench.data.actions", "ActionPredictions"),
    "Evaluator": ("stvg_bench.tasks.base", "Evaluator"),
    "score": ("stvg_bench.tasks.base", "score"),
    "ScoreResult": ("stvg_bench.results.result", "ScoreResult"),
    "load_results": ("stvg_bench.results.io", "load_results"),
    "get_protocol": ("stvg_bench.protocols", "get_protocol"),
    "StvgBenchError": ("stvg_bench.core.errors", "StvgBenchError"),
    "DATASETS": ("stvg_bench.registries", "DATASETS"),
    "FORMATS": ("stvg_bench.registries", "FORMATS"),
    "TASKS": ("stvg_bench.registries", "TASKS"),
    "PROTOCOLS": ("stvg_bench.registries", "PROTOCOLS"),
    "BASELINES": ("stvg_bench.registries", "BASELINES"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'stvg_bench' has no attribute {name!r}")

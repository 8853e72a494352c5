"""stvg-bench: the reference scorer for spatio-temporal video grounding.

The public API is imported lazily so that ``stvg-bench`` starts fast:

* :func:`load_dataset` - a dataset split as columnar arrays (cached parse);
* :func:`load_predictions` - a prediction file in any supported format;
* :class:`Predictions` ``.from_arrays`` - predictions built in memory;
* :class:`Evaluator` / :func:`score` - scores with bootstrap intervals;
* :func:`load_action_predictions` / :class:`ActionEvaluator` - the same for
  GroundingYouTube and YouCook2-Interactions;
* :data:`PROTOCOLS` - the named, versioned protocols.
"""

__version__ = "0.1.0"

_LAZY = {
    "load_dataset": ("stvg_bench.datasets", "load_dataset"),
    "load_predictions": ("stvg_bench.formats", "load_predictions"),
    "write_predictions": ("stvg_bench.formats", "write_predictions"),
    "Predictions": ("stvg_bench.data.tubes", "Predictions"),
    "Evaluator": ("stvg_bench.evaluate", "Evaluator"),
    "ActionEvaluator": ("stvg_bench.evaluate_actions", "ActionEvaluator"),
    "load_action_predictions": ("stvg_bench.formats.actions", "load_action_predictions"),
    "write_action_predictions": ("stvg_bench.formats.actions", "write_action_predictions"),
    "score": ("stvg_bench.evaluate", "score"),
    "ScoreResult": ("stvg_bench.results", "ScoreResult"),
    "PROTOCOLS": ("stvg_bench.protocols.tubes", "PROTOCOLS"),
    "StvgBenchError": ("stvg_bench.core.errors", "StvgBenchError"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'stvg_bench' has no attribute {name!r}")

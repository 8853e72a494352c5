"""A stand-in for ``torchtext`` (last released for torch 2.3), put on the ``PYTHONPATH`` of peers that
import it without using it in evaluation (CG-STVG's ``models/language_model/lstm.py``; BASELINES.md §1,
item 3). Any attribute is a placeholder that fails only when called."""


def __getattr__(name):
    def unavailable(*args, **kwargs):
        raise RuntimeError(f"torchtext.{name} is a stub from stvg-bench: the LSTM text encoder is not supported")

    return unavailable

"""The ``torchtext.vocab`` stand-in (see the package docstring)."""


def __getattr__(name):
    def unavailable(*args, **kwargs):
        raise RuntimeError(f"torchtext.{name} is a stub from stvg-bench: the LSTM text encoder is not supported")

    return unavailable

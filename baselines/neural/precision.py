"""Numeric precision of a neural runner's model: the ``precision`` parameter (``--precision``).

``fp32`` everywhere; ``bf16`` on CPU and CUDA; ``fp16`` on CUDA only (CPU kernels
for half precision are incomplete and slow). Weights are loaded in that dtype;
inputs are cast to it; outputs are returned as float32 numpy.
"""

from __future__ import annotations

from baselines.info import ParameterSpec
from stvg_bench.core.errors import OptionError

PRECISIONS = ("fp32", "bf16", "fp16")
PRECISION = ParameterSpec("precision", "fp32", "text", "model precision: fp32, bf16 or fp16 (CUDA only)",
                          choices=PRECISIONS)


def check_precision(precision: str, device: str, runner: str) -> None:
    if precision == "fp16" and not device.startswith("cuda"):
        raise OptionError(f"{runner}: --precision fp16 needs a CUDA device (on cpu use fp32 or bf16)")


def torch_dtype(precision: str):
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]

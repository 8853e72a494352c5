"""What identifies a run: checkpoint hashes, the run key, and the device it runs on.

The run key is the sha256 of the canonical JSON of the key fields (runner,
runner version, parameters hash, checkpoint sha256, dataset, split, the
identity of the dataset's inputs, of what the runner fitted and of the sample
inputs it read, such as frame sizes). Every shard repeats it; ``--resume``
continues a run only under the same key.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from pathlib import Path

from stvg_bench.core.errors import InputFileError, OptionError
from stvg_bench.datasets.cache import file_sha256

from ..runner import Checkpoint


def canonical_sha256(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def hash_checkpoint(path: str | Path) -> Checkpoint:
    """Every file of a checkpoint directory with its sha256 (streamed), and one sha256 over the list."""
    path = Path(path)
    if not path.is_dir():
        raise InputFileError("checkpoint directory not found", path=path)
    files = sorted(p for p in path.rglob("*") if p.is_file())
    if not files:
        raise InputFileError("checkpoint directory holds no file", path=path)
    records = tuple((p.relative_to(path).as_posix(), file_sha256(p)) for p in files)
    combined = hashlib.sha256("".join(f"{name}\0{sha}\n" for name, sha in records).encode()).hexdigest()
    return Checkpoint(path, records, combined)


def hash_checkpoint_file(path: str | Path) -> Checkpoint:
    """A checkpoint that is one file (an external runner's peer checkpoint), streamed through sha256."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("checkpoint file not found (external runners take the peer's checkpoint file)",
                             path=path)
    sha256 = file_sha256(path)
    return Checkpoint(path, ((path.name, sha256),), sha256)


def run_key(fields: dict) -> str:
    return canonical_sha256(fields)


_DEVICE = re.compile(r"^(cpu|cuda(:\d+)?)$")


def check_device(device: str) -> str:
    if not _DEVICE.match(device):
        raise OptionError(f"--device must be cpu, cuda or cuda:N, got {device!r}")
    return device


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_names(device: str) -> list[str]:
    """Names of the devices ``device`` means; ``cuda`` needs torch with a visible CUDA device."""
    if device == "cpu":
        return [cpu_name()]
    try:
        import torch
    except ImportError:
        raise OptionError(f"--device {device} needs torch: pip install 'stvg-bench[baselines]'") from None
    if not torch.cuda.is_available():
        raise OptionError(f"--device {device}: torch {torch.__version__} sees no CUDA device")
    count = torch.cuda.device_count()
    index = int(device.partition(":")[2] or 0)
    if index >= count:
        raise OptionError(f"--device {device}: only {count} CUDA device(s) are visible")
    return [torch.cuda.get_device_name(index)]

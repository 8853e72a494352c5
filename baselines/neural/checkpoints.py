"""Hugging Face checkpoint directories: checked on the driver before any work, loaded offline on a worker.

A checkpoint directory holds ``config.json`` (whose ``model_type`` must be one
the runner accepts, see :data:`MODEL_FAMILIES`), weights as ``*.safetensors``
(a ``pytorch_model.bin`` is a pickle and is refused: submitted files are data),
a tokenizer (``tokenizer.json``, ``vocab.txt`` or ``vocab.json``) and the image
preprocessing (``preprocessor_config.json``, or the ``image_processor`` of
``processor_config.json``). :func:`inspect_checkpoint` checks all of it without
loading weights; every defect is an :class:`~stvg_bench.core.errors.InputFileError`
naming the file. :func:`load_model` loads with ``local_files_only=True``: never
the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stvg_bench.core.errors import InputFileError, quote

# family -> {config model_type: transformers class}
MODEL_FAMILIES: dict[str, dict[str, str]] = {
    "grounding-dino": {"grounding-dino": "GroundingDinoForObjectDetection",
                       "mm-grounding-dino": "MMGroundingDinoForObjectDetection"},
    "owlv2": {"owlv2": "Owlv2ForObjectDetection"},
    "clip": {"clip": "CLIPModel"},
    "siglip": {"siglip": "SiglipModel", "siglip2": "Siglip2Model"},
}
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json")


@dataclass(frozen=True)
class CheckpointInfo:
    """What :func:`inspect_checkpoint` found: the model's family, ``model_type`` and class, its weight
    files and its image preprocessing settings (the raw ``preprocessor_config.json`` dict)."""

    path: Path
    family: str
    model_type: str
    class_name: str
    weight_files: tuple[str, ...]
    image_config: dict


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputFileError(f"not a readable JSON file ({type(exc).__name__})", path=path) from None
    if not isinstance(value, dict):
        raise InputFileError("expected a JSON object", path=path)
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_safetensors(path: Path) -> None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as weights:
            names = list(weights.keys())
    except Exception as exc:  # safetensors raises its own SafetensorError and OSError
        raise InputFileError(f"corrupt safetensors file: {quote(_first_line(exc))}", path=path) from None
    if not names:
        raise InputFileError("safetensors file holds no tensor", path=path)


def _image_config(directory: Path) -> dict:
    preprocessor = directory / "preprocessor_config.json"
    if preprocessor.is_file():
        return _read_json(preprocessor)
    processor = directory / "processor_config.json"
    if processor.is_file():
        nested = _read_json(processor).get("image_processor")
        if isinstance(nested, dict):
            return nested
    raise InputFileError("checkpoint has no image preprocessing (preprocessor_config.json)", path=preprocessor)


def inspect_checkpoint(directory: str | Path, families: tuple[str, ...], runner: str) -> CheckpointInfo:
    """Check ``directory`` is a loadable checkpoint of one of ``families`` without loading its weights."""
    directory = Path(directory)
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise InputFileError("checkpoint has no config.json (a Hugging Face model directory is expected)",
                             path=config_path)
    model_type = _read_json(config_path).get("model_type")
    accepted = {t: (family, cls) for family in families for t, cls in MODEL_FAMILIES[family].items()}
    if model_type not in accepted:
        raise InputFileError(f"model_type {quote(str(model_type))} is not one {runner} loads "
                             f"({', '.join(accepted)})", path=config_path)
    family, class_name = accepted[model_type]
    weights = sorted(p for p in directory.glob("*.safetensors"))
    if not weights:
        pickled = sorted(directory.glob("*.bin"))
        if pickled:
            raise InputFileError("weights are a pickle; stvg-bench loads safetensors only (convert with "
                                 "save_pretrained(..., safe_serialization=True))", path=pickled[0])
        raise InputFileError("checkpoint has no *.safetensors weights", path=directory / "model.safetensors")
    for path in weights:
        _check_safetensors(path)
    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        raise InputFileError(f"checkpoint has no tokenizer ({', '.join(TOKENIZER_FILES)})",
                             path=directory / TOKENIZER_FILES[0])
    return CheckpointInfo(directory, family, model_type, class_name, tuple(p.name for p in weights),
                          _image_config(directory))


def load_model(info: CheckpointInfo, device: str, dtype):
    """The model (eval mode, on ``device``, in ``dtype``) and its tokenizer, from local files only."""
    import transformers
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model_class = getattr(transformers, info.class_name)
    try:
        model = model_class.from_pretrained(info.path, local_files_only=True, dtype=dtype)
        tokenizer = transformers.AutoTokenizer.from_pretrained(info.path, local_files_only=True)
    except Exception as exc:  # transformers raises many types for one bad directory
        raise InputFileError(f"cannot load the checkpoint: {quote(_first_line(exc))}", path=info.path) from None
    return model.to(device).eval(), tokenizer

"""A peer's output file -> one :class:`~baselines.outputs.TubeOutput` per sample of the shard.

Readers (:data:`READERS`) take what the peer wrote to its layout (see :mod:`baselines.external.peers`):

* ``tubedetr-log-stats``: ``log_stats.json``, whose one ``test_<dataset>_<dataset>`` entry holds
  TubeDETR's prediction layout (``predictions`` ``"<video_id>_<frame>"``, ``video_predictions``);
* ``stcat-pt``: STCAT's ``test_results.pt``, read with ``torch.load(weights_only=True)`` only (never an
  arbitrary unpickle); a file weights-only loading refuses is an error saying how to turn it into JSON
  in the peer's environment (:data:`PT_TO_JSON`);
* ``stcat-json``: CG-STVG's and TA-STVG's ``test_results.json`` (STCAT's layout plus extra keys).

The peer's ids are renumbered with the ``{peer id: id}`` map of the layout writer, and the result is
parsed by stvg-bench's own readers of those layouts (:mod:`stvg_bench.formats.tubedetr`,
:mod:`stvg_bench.formats.stcat`), so segments stay as the peers mean them (TubeDETR's ``sted``
``[start, end)``; STCAT's as its reader documents). A sample of the shard missing from the output is an
error naming it and the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from stvg_bench.core.errors import FormatError, InputFileError

from ..outputs import TubeOutput

PT_TO_JSON = ("PEER_ENV/bin/python -c \"import json, sys, torch; r = torch.load(sys.argv[1], weights_only=False); "
              "json.dump({k: r[k] for k in ('predictions', 'video_predictions')}, open(sys.argv[2], 'w'), "
              "default=lambda v: v.tolist())\" test_results.pt test_results.json")


def _plain(value):
    """JSON values of what ``torch.load`` gave (tensors and numpy values as lists and numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _layout(document, path: Path, what: str) -> dict:
    if not isinstance(document, dict) or not all(k in document for k in ("predictions", "video_predictions")):
        raise FormatError(f"no 'predictions' and 'video_predictions' ({what})", path=path)
    return {"predictions": document["predictions"], "video_predictions": document["video_predictions"]}


def _read_json(path: Path):
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputFileError(f"not a readable JSON file ({type(exc).__name__})", path=path) from None


def read_log_stats(path: Path) -> dict:
    document = _read_json(path)
    entries = [v for k, v in document.items() if k.startswith("test_") and isinstance(v, dict)
               and "predictions" in v] if isinstance(document, dict) else []
    if len(entries) != 1:
        raise FormatError(f"expected one 'test_<dataset>_<dataset>' entry with predictions, found "
                          f"{len(entries)} (was TubeDETR run with --test?)", path=path)
    return _layout(entries[0], path, "TubeDETR's test entry")


def read_stcat_pt(path: Path) -> dict:
    import pickle

    import torch

    try:
        document = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise FormatError("holds objects weights-only loading refuses (stvg-bench never unpickles arbitrary "
                          f"objects); convert it in the peer's environment: {PT_TO_JSON}", path=path) from None
    except (OSError, RuntimeError, EOFError) as exc:
        raise InputFileError(f"not a readable torch.save file ({type(exc).__name__})", path=path) from None
    return _layout(_plain(document), path, "STCAT's test_results.pt")


def read_stcat_json(path: Path) -> dict:
    return _layout(_read_json(path), path, "the STCAT layout")


READERS = {  # reader -> (read the file, stvg-bench format of its layout)
    "tubedetr-log-stats": (read_log_stats, "tubedetr"),
    "stcat-pt": (read_stcat_pt, "stcat"),
    "stcat-json": (read_stcat_json, "stcat"),
}


def _renumber(layout: dict, format_name: str, peer_ids: dict[str, int], path: Path) -> dict:
    def new(key: str) -> str:
        if key not in peer_ids:
            raise FormatError(f"id {key} was not in the layout written for this shard", path=path)
        return str(peer_ids[key])

    videos = {new(str(k)): v for k, v in layout["video_predictions"].items()}
    if format_name == "tubedetr":
        boxes = {}
        for key, frame in layout["predictions"].items():
            sample, _, frame_id = str(key).rpartition("_")
            boxes[f"{new(sample)}_{frame_id}"] = frame
    else:
        boxes = {new(str(k)): v for k, v in layout["predictions"].items()}
    return {"predictions": boxes, "video_predictions": videos}


def tube_outputs(reader: str, path: Path, peer_ids: dict[str, int], samples, dataset) -> list[TubeOutput]:
    """One output per sample of ``samples`` (in order) from the peer's file ``path``."""
    from stvg_bench.registries import FORMATS

    read, format_name = READERS[reader]
    data = json.dumps(_renumber(read(path), format_name, peer_ids, path)).encode()
    predictions = FORMATS.get(format_name).read_bytes(data, path, hashlib.sha256(data).hexdigest(), dataset)
    outputs = []
    for sample in samples:
        at = np.flatnonzero(predictions.segment_sample_id == sample.sample_id)
        if not len(at):
            raise FormatError("no prediction for this sample in the peer's output", path=path,
                              sample_id=sample.sample_id)
        boxes = predictions.box_sample_id == sample.sample_id
        outputs.append(TubeOutput(int(predictions.segment_start_frame[at[0]]),
                                  int(predictions.segment_end_frame[at[0]]),
                                  predictions.box_frame[boxes].astype(np.int64),
                                  predictions.box_xyxy[boxes].astype(np.float64)))
    return outputs

"""STAND-INS for the issue-9 baseline runners, until those runners exist: tiny, deterministic prior files.

Each function writes one prediction file under ``leaderboards/submissions/``, a
manifest beside it, and the entry's ``[[predictions]]`` (runner ``stand-in:<name>``).
When the issue-9 runners land, regenerate these files with them and delete this
script (the entries' ``produced_by`` then names the real runner):

* ``submissions/vidstg/input-segment-full-frame/`` -> runner ``full-frame``
* ``submissions/vidstg/temporal-prior-val/``       -> runner ``temporal-prior``
* ``submissions/groundingyoutube/centre-point/``   -> runner ``center-point``

The GroundingYouTube human baseline needs no file: its entry names the
release's aggregated clicks (``release = ...``), converted at build time.

    python leaderboards/stand_ins.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

import stvg_bench as sb
from stvg_bench.core import atomic
from stvg_bench.leaderboard.data_dir import annotations_path, release_path
from stvg_bench.leaderboard.sources import sha256_of
from stvg_bench.leaderboard.submit import attach_predictions

ROOT = Path(__file__).resolve().parent
VERSION = "1"
CLICKS = "groundingyoutube/pumpkin_youtube_FPS_21k_annotation_full_agg_p.json"
PRIOR_PAPER = {"venue": "stvg-bench", "year": 2026, "note": "a prior baseline, no paper"}


def _record(dataset: str, name: str, task: str, predictions: Path, replaced_by: str, what: str,
            annotations: dict, method: str) -> None:
    runner = f"stand-in:{name}"
    manifest = predictions.parent / "manifest.json"
    atomic.write_bytes(manifest, json.dumps({
        "runner": runner, "version": VERSION, "stand_in_for": f"issue-9 runner {replaced_by!r}",
        "script": "leaderboards/stand_ins.py", "what": what, "dataset": dataset, "annotations_sha256": annotations["sha256"],
    }, indent=1, sort_keys=True).encode() + b"\n")
    item = {"task": task, "path": str(predictions.relative_to(ROOT)), "format": "stvg-bench",
            "sha256": sha256_of(predictions), "size": predictions.stat().st_size,
            "produced_by": {"runner": runner, "version": VERSION, "manifest": str(manifest.relative_to(ROOT)),
                            "note": f"stand-in until the issue-9 runner {replaced_by!r} replaces it"}}
    attach_predictions(ROOT, dataset, name, item, {"method": method, "supervision": "prior", "paper": PRIOR_PAPER,
                                                   "notes": what})


def _tube_file(dataset, name: str, starts, ends, method: dict) -> Path:
    gt = dataset.gt
    ids = np.arange(gt.n_samples)
    full = np.stack([np.zeros(gt.n_samples), np.zeros(gt.n_samples), gt.width, gt.height], axis=1).astype(float)
    frames = np.stack([starts, np.maximum(ends - 1, starts)], axis=1).ravel()  # a full-frame box at both ends
    owners = np.repeat(ids, 2)
    keep = np.r_[True, (owners[1:] != owners[:-1]) | (frames[1:] != frames[:-1])]
    predictions = sb.Predictions.from_arrays(ids, np.stack([starts, ends], axis=1), owners[keep], frames[keep],
                                             np.repeat(full, 2, axis=0)[keep], method=method)
    path = ROOT / "submissions" / dataset.name / name / "predictions.json.gz"
    sb.write_predictions(predictions, path, "stvg-bench", dataset)
    return path


def input_segment_full_frame(data: Path) -> None:
    """VidSTG: the whole input segment, the full frame on every frame of it."""
    test = sb.load_dataset("vidstg", "test", annotations_path(data, "vidstg"))
    name = "input-segment-full-frame"
    what = "segment = the input segment (used_segment); box = the full frame on every frame of it"
    path = _tube_file(test, name, test.gt.segment_start_frame, test.gt.segment_end_frame,
                      {"name": "input segment + full frame", "runner": f"stand-in:{name}", "version": VERSION})
    _record("vidstg", name, "tube-grounding", path, "full-frame", what, test.inputs["annotations"],
            "Input segment + full frame (prior)")


def temporal_prior_val(data: Path) -> None:
    """VidSTG: the mean relative position of the ground-truth segment in the input segment on val, applied to
    test; the full frame as the box."""
    val = sb.load_dataset("vidstg", "val", Path(data) / "vidstg" / "val_annotations.json")
    test = sb.load_dataset("vidstg", "test", annotations_path(data, "vidstg"))
    length = (val.gt.segment_end_frame - val.gt.segment_start_frame).astype(float)
    start = float(np.mean((val.gt.gt_start_frame - val.gt.segment_start_frame) / length))
    end = float(np.mean((val.gt.gt_end_frame_exclusive - val.gt.segment_start_frame) / length))
    span = test.gt.segment_end_frame - test.gt.segment_start_frame
    starts = test.gt.segment_start_frame + np.floor(start * span).astype(np.int64)
    ends = np.maximum(test.gt.segment_start_frame + np.ceil(end * span).astype(np.int64), starts + 1)
    name = "temporal-prior-val"
    what = (f"segment = [{start:.4f}, {end:.4f}) of the input segment (the mean relative position of the ground "
            "truth on val); box = the full frame")
    path = _tube_file(test, name, starts, np.minimum(ends, test.gt.segment_end_frame),
                      {"name": "temporal prior (val)", "runner": f"stand-in:{name}", "version": VERSION})
    _record("vidstg", name, "tube-grounding", path, "temporal-prior", what, test.inputs["annotations"],
            "Temporal prior fitted on val + full frame (prior)")


def centre_point(data: Path) -> None:
    """GroundingYouTube spatial: the centre of the frame for every annotated second."""
    dataset = sb.load_dataset("groundingyoutube", "test", annotations_path(data, "groundingyoutube"))
    gt, queries = dataset.gt, dataset.gt.queries
    predictions: dict[str, dict[str, dict]] = {}
    for group, second in sorted(set(zip(queries.group.tolist(), queries.second.tolist()))):
        video = str(queries.group_names[group])
        index = int(np.flatnonzero(gt.video_ids == video)[0])
        point = [float(gt.frame_width[index]) / 2, float(gt.frame_height[index]) / 2]
        predictions.setdefault(video, {})[str(second)] = {"point": point}
    name = "centre-point"
    document = {"format": "stvg-bench/action-grounding", "version": 1, "dataset": "groundingyoutube",
                "split": "test", "task": "spatial",
                "method": {"name": "centre point of the frame", "runner": f"stand-in:{name}", "version": VERSION},
                "predictions": predictions}
    path = ROOT / "submissions" / "groundingyoutube" / name / "predictions.json.gz"
    atomic.write_bytes(path, gzip.compress(json.dumps(document, sort_keys=True).encode(), mtime=0))
    _record("groundingyoutube", name, "action-spatial", path, "center-point",
            "point = the centre of the frame (id2wh_new.json) on every annotated second",
            dataset.inputs["annotations"], "Centre point of the frame (prior)")


def human_clicks(data: Path) -> None:
    """GroundingYouTube spatial: the release's aggregated centre-point clicks (no file written)."""
    clicks = release_path(data, CLICKS)
    item = {"task": "action-spatial", "release": CLICKS, "format": "gyt-clicks", "sha256": sha256_of(clicks),
            "size": clicks.stat().st_size, "options": {"missing": "zero"},
            "produced_by": {"runner": "gyt-clicks", "version": "1",
                            "note": "the released aggregated clicks, converted by the gyt-clicks format"}}
    attach_predictions(ROOT, "groundingyoutube", "human-clicks", item, {
        "method": "Human: mean of five centre-point clicks", "supervision": "human",
        "paper": {"title": "What, When, and Where? Self-Supervised Spatio-Temporal Grounding in Untrimmed "
                  "Multi-Action Videos from Narrated Instructions", "venue": "CVPR", "year": 2024,
                  "link": "https://arxiv.org/abs/2303.16990"},
        "notes": "the annotators' mean centre-point click on each boxed second (the release's aggregated clicks); "
                 "seconds without a majority click are scored as misses"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the data directory (e.g. ../shared/data)")
    args = parser.parse_args()
    for make in (input_segment_full_frame, temporal_prior_val, centre_point, human_clicks):
        make(args.data)
        print(f"{make.__name__}: done")


if __name__ == "__main__":
    main()

"""Test helpers: conversions for the slow reference, small HC-STVG files, hand-made datasets."""

from __future__ import annotations

import numpy as np

from stvg_bench.data.tubes import Predictions
from stvg_bench.datasets.base import Dataset
from stvg_bench.datasets.vidstg import ADAPTER as VIDSTG
from stvg_bench.datasets.vidstg import _SampleColumns, vidstg_groundtruth


def as_reference_predictions(predictions: Predictions) -> dict:
    """Predictions as the slow reference takes them: ``{sid: {"segment", "boxes": {frame: box}}}``."""
    out = {}
    boxes = {}
    for s, f, box in zip(
        predictions.box_sample_id.tolist(), predictions.box_frame.tolist(), predictions.box_xyxy.tolist()
    ):
        boxes.setdefault(s, {})[f] = box
    for s, start, end in zip(
        predictions.segment_sample_id.tolist(),
        predictions.segment_start_frame.tolist(),
        predictions.segment_end_frame.tolist(),
    ):
        out[s] = {"segment": [start, end], "boxes": boxes.get(s, {})}
    return out


def make_hcstvg_official(n: int, seed: int, v2: bool = False) -> dict:
    """A small HC-STVG-layout annotation dict (v1 or v2) with varied st_frame and lengths."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        img_num = int(rng.integers(100, 700))
        width, height = (640, 360) if i % 2 else (1280, 720)
        st_frame = int(rng.integers(1, img_num // 2))
        length = int(rng.integers(5, img_num - st_frame + 2))
        x = rng.uniform(0, width * 0.5)
        y = rng.uniform(0, height * 0.5)
        w, h = width * 0.3, height * 0.4
        boxes = [[round(x + k * 0.3, 1), round(y, 1), round(w, 1), round(h, 1)] for k in range(length)]
        entry = {
            "img_num": img_num,
            "st_frame": st_frame,
            "bbox": boxes,
            "st_time": st_frame / 30,
            "ed_time": (st_frame + length) / 30,
        }
        if v2:
            entry.update({"img_size": [height, width], "English": f"the person {i} walks."})
        else:
            entry.update({"width": width, "height": height, "caption": f"the person {i} walks."})
        out[f"{i}_clip{i:03d}.mp4"] = entry
    return out


def hcstvg_proc(official: dict, v2: bool = False) -> list:
    """TubeDETR's ``*_proc.json`` for an official HC-STVG dict (its preproc script, without video paths)."""
    videos = []
    for name, a in official.items():
        videos.append(
            {
                "original_video_id": name[:-4],
                "frame_count": a["img_num"],
                "width": a["img_size"][1] if v2 else a["width"],
                "height": a["img_size"][0] if v2 else a["height"],
                "tube_start_frame": a["st_frame"],
                "tube_end_frame": a["st_frame"] + len(a["bbox"]),
                "tube_start_time": a["st_time"],
                "tube_end_time": a["ed_time"],
                "video_path": f"x/{name}",
                "caption": a["English"] if v2 else a["caption"],
                "video_id": len(videos),
                "trajectory": a["bbox"],
            }
        )
    return videos


def tiny_vidstg(samples: list[dict], boxes: dict) -> Dataset:
    """A hand-made VidSTG dataset.

    ``samples``: dicts with ``frame_count``, ``fps``, ``gt`` (begin, end), ``used`` (begin, end),
    ``qtype`` (0 declarative, 1 interrogative), ``video``, ``target``;
    ``boxes[(video, target)]``: ``{frame: [x1, y1, x2, y2]}``.
    """
    cols = _SampleColumns()
    for i, s in enumerate(samples):
        cols.video_id.append(s["video"])
        cols.sentence.append(f"sentence {i}")
        cols.query_type.append(s.get("qtype", 0))
        cols.target_id.append(s["target"])
        cols.frame_count.append(s["frame_count"])
        cols.fps.append(s.get("fps", 30.0))
        cols.width.append(640)
        cols.height.append(480)
        cols.gt_start.append(s["gt"][0])
        cols.gt_end.append(s["gt"][1])
        cols.segment_start.append(s["used"][0])
        cols.segment_end.append(s["used"][1])
        cols.stcat_item_id.append(i)
    frame_counts = {(s["video"], s["target"]): s["frame_count"] for s in samples}

    def trajectory(video, target, start, end):
        dense = np.full((frame_counts[video, target], 4), np.nan)
        for frame, box in boxes.get((video, target), {}).items():
            dense[frame] = box
        return dense[start:end]

    gt = vidstg_groundtruth(cols, trajectory, "vidstg", "test")
    return Dataset(adapter=VIDSTG, gt=gt, inputs={"annotations": {"path": None, "sha256": "0" * 64}})


def preds(segments: dict, boxes: dict | None = None, **meta) -> Predictions:
    """Predictions from ``{sid: (start, end)}`` and ``{sid: {frame: box}}``."""
    boxes = boxes or {}
    rows = [(s, f, b) for s, per in boxes.items() for f, b in per.items()]
    return Predictions.from_arrays(
        sample_ids=list(segments),
        segments=[list(v) for v in segments.values()],
        box_sample_ids=[r[0] for r in rows],
        box_frames=[r[1] for r in rows],
        boxes=[r[2] for r in rows],
        **meta,
    )


def validate_results(document: dict) -> None:
    """Validate a results file against the schema generated from its task's declared fields."""
    import jsonschema

    from stvg_bench.registries import TASKS
    from stvg_bench.results.schema import result_schema

    task = TASKS.get(document["task"])
    options = task.parse_options(document["options"])
    protocol = task.protocol(document["protocol"]["name"].partition("+")[0], options)
    declared = {f.name: f for f in task.fields(protocol, options)}
    assert [f["name"] for f in document["fields"]] == [n for n in declared if n in {f["name"] for f in document["fields"]}]
    jsonschema.validate(document, result_schema(task.name, tuple(declared.values())))

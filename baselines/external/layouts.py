"""Writers of each peer's annotation layout, for one shard's samples only.

Every writer gets the shard's :class:`~baselines.samples.TubeSample` objects, the loaded dataset
(for STCAT's item numbering), the shard's layout directory and ``video_file(video_id) -> Path | None``
(the video found under ``--videos``, linked into the layout where the peer looks for it; None without
``--videos``: the layout names the file the peer would read). It returns ``{peer id: id}``: the key
the peer's output uses for each sample, mapped to the key stvg-bench's reader of that output
layout expects (the sample id for TubeDETR's, the dataset's STCAT item id for STCAT's).

The peers run their *test* split even in evaluation, and read ground truth in it (BASELINES.md §1,
item 7). The writers give **dummy ground truth**, which no peer's predictions depend on: the
ground-truth segment is the whole input segment, and its box is the whole frame on every frame
of it. Frame ids are the dataset's (0-based, at the annotation's fps); VidSTG's input segment is
written as released (``[begin_fid, end_fid]``, both ids inside it); HC-STVG's input segment is
``[0, img_num - 1)`` and its dummy tube covers frames ``0 .. img_num - 2`` (``st_frame`` 1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stvg_bench.core import atomic

SPLIT = "test"  # the split name every peer's evaluation entry point reads


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, json.dumps(value).encode())


def _link(video_file, video_id: str, target: Path) -> None:
    """Link the video of ``video_id`` (when known) at ``target``, where the peer opens it."""
    found = video_file(video_id)
    if found is None or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(Path(found).resolve(), target)


def _vidstg_last_frame(sample) -> int:
    """The last frame id of VidSTG's released ``used_segment`` (``segment_end_frame_exclusive`` holds
    ``end_fid`` as released), clipped into the video."""
    return min(sample.segment_end_frame_exclusive, sample.frame_count - 1)


def tubedetr_vidstg(samples, dataset, directory: Path, video_file) -> dict[str, int]:
    """TubeDETR's preprocessed VidSTG: ``test.json`` = ``{"videos": [...], "trajectories": {vid: {target:
    {frame: {"bbox": xywh}}}}}`` with ``video_id`` = the sample id, and a ``dataset_config.json``."""
    videos, trajectories = [], {}
    for sample in samples:
        first, last = sample.segment_start_frame, _vidstg_last_frame(sample)
        videos.append({
            "original_video_id": sample.video_id, "frame_count": sample.frame_count, "fps": sample.fps,
            "width": sample.width, "height": sample.height, "start_frame": first, "end_frame": last,
            "tube_start_frame": first, "tube_end_frame": last, "video_path": f"{sample.video_id}.mp4",
            "caption": sample.sentence, "type": "", "target_id": 0, "video_id": sample.sample_id,
            "qtype": sample.query_type})
        frames = trajectories.setdefault(sample.video_id, {}).setdefault("0", {})
        for frame in range(first, last + 1):
            frames[str(frame)] = {"bbox": [0, 0, sample.width, sample.height]}
        _link(video_file, sample.video_id, directory / "videos" / "video" / f"{sample.video_id}.mp4")
    _write_json(directory / "annotations" / f"{SPLIT}.json", {"videos": videos, "trajectories": trajectories})
    _write_json(directory / "dataset_config.json", {
        "vidstg_ann_path": str(directory / "annotations"), "vidstg_vid_path": str(directory / "videos")})
    return {str(s.sample_id): s.sample_id for s in samples}


def tubedetr_hcstvg(samples, dataset, directory: Path, video_file) -> dict[str, int]:
    """TubeDETR's preprocessed HC-STVG v1: ``test_proc.json``, a list with ``video_id`` = the sample id and
    xywh ``trajectory`` from ``tube_start_frame``, and a ``dataset_config.json``."""
    entries = []
    for sample in samples:
        tube_frames = sample.frame_count - 1  # TubeDETR's preprocessing: tube_end = tube_start + len(trajectory)
        entries.append({
            "original_video_id": sample.video_id, "frame_count": sample.frame_count, "width": sample.width,
            "height": sample.height, "tube_start_frame": 1, "tube_end_frame": 1 + tube_frames,
            "tube_start_time": 0.0, "tube_end_time": tube_frames / sample.fps,
            "video_path": sample.video_id, "caption": sample.sentence, "video_id": sample.sample_id,
            "trajectory": [[0, 0, sample.width, sample.height]] * tube_frames})
        _link(video_file, sample.video_id, directory / "videos" / "video" / sample.video_id)
    _write_json(directory / "annotations" / f"{SPLIT}_proc.json", entries)
    _write_json(directory / "dataset_config.json", {
        "hcstvg_ann_path": str(directory / "annotations"), "hcstvg_vid_path": str(directory / "videos")})
    return {str(s.sample_id): s.sample_id for s in samples}


def stcat_vidstg(samples, dataset, directory: Path, video_file) -> dict[str, int]:
    """STCAT's VidSTG: ``vstg_annos/test.json`` (its merged pairs, keyed by the dataset's STCAT item id, so
    no VidOR box file is read) and ``sent_annos/test_annotations.json`` (one official entry per sample)."""
    item_ids = np.asarray(dataset.gt.stcat_item_id)
    pairs, entries = {}, []
    for sample in samples:
        first, last = sample.segment_start_frame, _vidstg_last_frame(sample)
        segment = {"begin_fid": first, "end_fid": last}
        item = int(item_ids[sample.sample_id])
        declarative = sample.query_type == "declarative"
        sentence = {"description": sample.sentence, "type": "", "target_id": 0}
        box = {"xmin": 0, "ymin": 0, "xmax": sample.width, "ymax": sample.height}
        pairs[str(item)] = {
            "vid": sample.video_id, "fps": sample.fps, "used_segment": segment, "width": sample.width,
            "height": sample.height, "ori_temp_gt": dict(segment), "frame_count": last - first + 1,
            "temp_gt": {"begin_fid": 0, "end_fid": last - first}, "id": item,
            "qtype": "declar" if declarative else "inter", "sentence": sentence, "target_category": "object",
            "target_bboxs": [box] * (last - first + 1)}
        entries.append({
            "vid": sample.video_id, "fps": sample.fps, "frame_count": sample.frame_count, "width": sample.width,
            "height": sample.height, "used_segment": segment, "temporal_gt": dict(segment),
            "subject/objects": [{"tid": 0, "category": "object"}],
            "captions": [sentence] if declarative else [], "questions": [] if declarative else [sentence]})
        _link(video_file, sample.video_id, directory / "videos" / f"{sample.video_id}.mp4")
    _write_json(directory / "vstg_annos" / f"{SPLIT}.json", pairs)
    _write_json(directory / "sent_annos" / f"{SPLIT}_annotations.json", entries)
    return {key: int(key) for key in pairs}


def stcat_hcstvg(samples, dataset, directory: Path, video_file) -> dict[str, int]:
    """STCAT's HC-STVG v1: ``annos/hcstvg_v1/test.json`` in the official layout; the peer numbers items
    0, 1, ... in file order, mapped back to the dataset's item ids (its sample ids)."""
    item_ids = np.asarray(dataset.gt.stcat_item_id)
    annotations, peer_ids = {}, {}
    for k, sample in enumerate(samples):
        tube_frames = sample.frame_count - 1
        annotations[sample.video_id] = {
            "img_num": sample.frame_count, "width": sample.width, "height": sample.height, "st_frame": 1,
            "bbox": [[0, 0, sample.width, sample.height]] * tube_frames, "st_time": 0.0,
            "ed_time": tube_frames / sample.fps, "caption": sample.sentence}
        peer_ids[str(k)] = int(item_ids[sample.sample_id])
        _link(video_file, sample.video_id, directory / "v1_video" / sample.video_id)
    _write_json(directory / "annos" / "hcstvg_v1" / f"{SPLIT}.json", annotations)
    return peer_ids


LayoutWriter = Callable[..., dict[str, int]]

LAYOUTS: dict[str, LayoutWriter] = {
    "tubedetr-vidstg": tubedetr_vidstg,
    "tubedetr-hcstvg": tubedetr_hcstvg,
    "stcat-vidstg": stcat_vidstg,
    "stcat-hcstvg": stcat_hcstvg,
}

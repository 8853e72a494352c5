"""A deterministic synthetic VidSTG-layout dataset, and predictions of chosen quality.

Used by ``make demo``, the tests and the benchmarks. Everything is a function
of ``seed``: the same seed gives byte-identical files.

* :func:`make_entries` writes official-layout sentence entries (fps values,
  ``used_segment`` / ``temporal_gt`` conventions as in the release, including
  ``temporal_gt.end_fid == frame_count``);
* :func:`make_vidor` gives every targeted object a VidOR trajectory with
  smooth motion, sometimes ending exactly at the half-open ground-truth end
  (so STCAT's last-box copy is exercised);
* :func:`write_official` / :func:`write_tubedetr` write both input layouts;
* :func:`make_predictions` draws predictions of a named quality.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec
import numpy as np

from ..core.arrays import concat_ranges
from ..core.errors import OptionError, quote
from ..data.tube_table import tubedetr_sampled_frames, window_boxes
from ..data.tubes import GroundTruth, Predictions
from ..protocols.tubes import TUBEDETR
from .base import Dataset, TubeAdapter
from .cache import input_record
from .vidstg import _Entry, columns_from_official, resolve_vidstg, vidstg_groundtruth

FPS_CHOICES = (29.97002997002997, 29.97002997002997, 25.0, 24.0, 23.976023976023978, 15.0)
SIZES = ((640, 360), (640, 480), (1280, 720), (480, 640))
CATEGORIES = ("adult", "child", "dog", "car", "ball", "bicycle")
QUALITIES = ("oracle", "good", "noisy", "random")


def make_entries(n_sentences: int = 200, seed: int = 0, first_video: int = 1000) -> list[dict]:
    """Official-layout VidSTG entries holding exactly ``n_sentences`` sentences."""
    rng = np.random.default_rng(seed)
    entries: list[dict] = []
    total = 0
    video = first_video
    while total < n_sentences:
        video += 1
        fps = float(FPS_CHOICES[rng.integers(len(FPS_CHOICES))])
        frame_count = int(rng.integers(150, 1500))
        width, height = SIZES[rng.integers(len(SIZES))]
        n_objects = int(rng.integers(2, 5))
        objects = [
            {"tid": t, "category": CATEGORIES[rng.integers(len(CATEGORIES))]} for t in range(n_objects)
        ]
        for _ in range(int(rng.integers(1, 3))):
            used_begin = int(rng.integers(0, frame_count // 3))
            used_end = int(rng.integers(used_begin + 60, frame_count))
            if rng.random() < 0.2:
                used_end = frame_count - 1
            tg_begin = int(rng.integers(used_begin, used_end - 30))
            tg_end = int(rng.integers(tg_begin + 10, used_end + 1))
            if used_end == frame_count - 1 and rng.random() < 0.5:
                tg_end = frame_count
            subject, obj = (int(t) for t in rng.choice(n_objects, size=2, replace=False))
            n_questions = min(int(rng.integers(0, 3)), max(n_sentences - total - 1, 0))
            sentence = f"the {objects[subject]['category']} is next to the {objects[obj]['category']}."
            entries.append(
                {
                    "vid": str(video),
                    "fps": fps,
                    "frame_count": frame_count,
                    "used_segment": {"begin_fid": used_begin, "end_fid": used_end},
                    "width": width,
                    "height": height,
                    "subject/objects": objects,
                    "used_relation": {
                        "subject_tid": subject,
                        "object_tid": obj,
                        "predicate": "next_to",
                        "begin_fid": tg_begin,
                        "end_fid": tg_end,
                    },
                    "temporal_gt": {"begin_fid": tg_begin, "end_fid": tg_end},
                    "captions": [{"description": sentence, "type": "object", "target_id": subject}],
                    "questions": [
                        {
                            "description": f"what is next to the {objects[obj]['category']}?",
                            "type": "object",
                            "target_id": subject if q == 0 else obj,
                        }
                        for q in range(n_questions)
                    ],
                }
            )
            total += 1 + n_questions
            if total >= n_sentences:
                break
    return entries


def make_vidor(entries: list[dict], seed: int = 0) -> dict[str, dict]:
    """VidOR-layout annotations (one dict per video) for every object a sentence targets."""
    rng = np.random.default_rng(seed + 1)
    needed: dict[str, dict[int, list[int]]] = {}
    meta: dict[str, dict] = {}
    for entry in entries:
        vid = entry["vid"]
        meta[vid] = entry
        spans = needed.setdefault(vid, {})
        tg = entry["temporal_gt"]
        for sentence in entry["captions"] + entry["questions"]:
            lo, hi = spans.get(sentence["target_id"], [tg["begin_fid"], tg["end_fid"]])
            spans[sentence["target_id"]] = [min(lo, tg["begin_fid"]), max(hi, tg["end_fid"])]
    videos = {}
    for vid, spans in needed.items():
        entry = meta[vid]
        frame_count, width, height = entry["frame_count"], entry["width"], entry["height"]
        frames: list[list[dict]] = [[] for _ in range(frame_count)]
        for tid, (lo, hi) in sorted(spans.items()):
            start = max(0, lo - int(rng.integers(0, 20)))
            end = hi if rng.random() < 0.5 else min(frame_count, hi + int(rng.integers(1, 40)))
            for frame, box in zip(range(start, end), _trajectory(rng, end - start, width, height)):
                frames[frame].append(
                    {
                        "tid": tid,
                        "bbox": dict(zip(("xmin", "ymin", "xmax", "ymax"), box)),
                        "generated": 0,
                        "tracker": 0,
                    }
                )
        videos[vid] = {
            "version": "VERSION 1.0",
            "video_id": vid,
            "video_path": f"{int(vid) % 100:04d}/{vid}.mp4",
            "frame_count": frame_count,
            "fps": entry["fps"],
            "width": width,
            "height": height,
            "subject/objects": entry["subject/objects"],
            "trajectories": frames,
            "relation_instances": [],
        }
    return videos


def _trajectory(rng: np.random.Generator, length: int, width: int, height: int) -> list[list[int]]:
    """Integer xyxy boxes drifting smoothly inside a ``width`` x ``height`` frame."""
    box_w = rng.uniform(0.15, 0.5) * width
    box_h = rng.uniform(0.15, 0.5) * height
    x0 = rng.uniform(0, width - box_w)
    y0 = rng.uniform(0, height - box_h)
    t = np.arange(length)
    x = np.clip(x0 + rng.uniform(-0.5, 0.5) * t + 8 * np.sin(t / 15.0), 0, width - box_w)
    y = np.clip(y0 + rng.uniform(-0.3, 0.3) * t, 0, height - box_h)
    boxes = np.stack([x, y, x + box_w, y + box_h], axis=1).round().astype(int)
    return boxes.tolist()


def write_official(
    entries: list[dict], videos: dict[str, dict], out_dir: Path, split: str = "test"
) -> tuple[Path, Path]:
    """Write ``{split}_annotations.json`` and a nested VidOR directory; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    annotations = out_dir / f"{split}_annotations.json"
    annotations.write_bytes(msgspec.json.encode(entries))
    return annotations, write_vidor(videos, out_dir / "vidor", split)


def write_vidor(videos: dict[str, dict], vidor_dir: Path, split: str = "test") -> Path:
    """Write ``videos`` as a nested VidOR directory (``validation/`` for test, else ``training/``)."""
    vidor_dir = Path(vidor_dir)
    part = vidor_dir / ("validation" if split == "test" else "training")
    for vid, video in videos.items():
        path = part / video["video_path"].split("/")[0] / f"{vid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(msgspec.json.encode(video))
    return vidor_dir


def tubedetr_layout(entries: list[dict], videos: dict[str, dict]) -> dict:
    """TubeDETR's preprocessed ``{split}.json`` for these entries, as its ``preproc_vidstg.py`` builds it."""
    out_videos: list[dict] = []
    trajectories: dict[str, dict[str, dict]] = {}
    by_tid: dict[str, dict[int, dict]] = {}
    for entry in entries:
        vid = entry["vid"]
        base = {
            "original_video_id": vid,
            "frame_count": entry["frame_count"],
            "fps": entry["fps"],
            "width": entry["width"],
            "height": entry["height"],
            "start_frame": entry["used_segment"]["begin_fid"],
            "end_frame": entry["used_segment"]["end_fid"],
            "tube_start_frame": entry["temporal_gt"]["begin_fid"],
            "tube_end_frame": entry["temporal_gt"]["end_fid"],
            "video_path": videos[vid]["video_path"],
        }
        for key, qtype in (("questions", "interrogative"), ("captions", "declarative")):
            for sentence in entry[key]:
                out_videos.append(
                    {
                        **base,
                        "caption": sentence["description"],
                        "type": sentence["type"],
                        "target_id": sentence["target_id"],
                        "video_id": len(out_videos),
                        "qtype": qtype,
                    }
                )
                per_video = trajectories.setdefault(vid, {})
                tid = str(sentence["target_id"])
                if vid not in by_tid:
                    by_tid[vid] = _xywh_by_tid(videos[vid])
                if tid not in per_video:
                    per_video[tid] = by_tid[vid].get(sentence["target_id"], {})
    return {"videos": out_videos, "trajectories": trajectories}


def _xywh_by_tid(video: dict) -> dict[int, dict[str, dict]]:
    """One VidOR video's boxes per object: ``{tid: {frame: {"bbox": [x, y, w, h], ...}}}``."""
    out: dict[int, dict[str, dict]] = {}
    for frame, objects in enumerate(video["trajectories"]):
        for obj in objects:
            b = obj["bbox"]
            out.setdefault(obj["tid"], {})[str(frame)] = {
                "bbox": [b["xmin"], b["ymin"], b["xmax"] - b["xmin"], b["ymax"] - b["ymin"]],
                "generated": obj["generated"],
                "tracker": obj["tracker"],
                "category_id": 0,
            }
    return out


def write_tubedetr(entries: list[dict], videos: dict[str, dict], path: Path) -> Path:
    """Write TubeDETR's layout of these entries to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.encode(tubedetr_layout(entries, videos)))
    return path


def groundtruth_from(entries: list[dict], videos: dict[str, dict], dataset: str, split: str) -> GroundTruth:
    """Columnar ground truth of generated entries, without writing files."""
    columns = columns_from_official(msgspec.convert(entries, list[_Entry]))
    boxes = {}

    def trajectory(video: str, target: int, start: int, end: int) -> np.ndarray:
        if (video, target) not in boxes:
            dense = np.full((videos[video]["frame_count"], 4), np.nan)
            for frame, objects in enumerate(videos[video]["trajectories"]):
                for obj in objects:
                    if obj["tid"] == target:
                        b = obj["bbox"]
                        dense[frame] = (b["xmin"], b["ymin"], b["xmax"], b["ymax"])
            boxes[video, target] = dense
        return boxes[video, target][start:end]

    return vidstg_groundtruth(columns, trajectory, dataset, split)


def make_predictions(gt: GroundTruth, quality: str, seed: int = 0, frames: str = "segment") -> Predictions:
    """Predictions of a named quality for every sample of ``gt``.

    Qualities: ``oracle`` (the ground truth itself), ``good`` (small temporal
    and spatial jitter), ``noisy`` (larger jitter), ``random`` (uniform
    segments and boxes). ``frames`` chooses where boxes are given:
    ``segment`` (every frame of the predicted segment), ``sparse`` (every 4th
    frame of it and its last frame), ``input`` (every frame of the closed input
    segment, as STCAT predicts), ``hull`` (every frame from the earlier start
    to one past the later end of the predicted and ground-truth segments),
    ``tubedetr`` (TubeDETR's sampled frames of the input segment).
    """
    if quality not in QUALITIES:
        raise OptionError(f"quality must be one of {', '.join(QUALITIES)}, got {quote(quality)}")
    rng = np.random.default_rng(seed)
    n = gt.n_samples
    frame_count = np.asarray(gt.frame_count)
    gt_start = np.asarray(gt.gt_start_frame)
    gt_end = np.asarray(gt.gt_end_frame_exclusive)
    length = gt_end - gt_start
    jitter = {"oracle": 0.0, "good": 0.08, "noisy": 0.35, "random": 0.0}[quality]
    if quality == "random":
        start = (rng.random(n) * frame_count * 0.8).astype(np.int64)
        end = np.minimum(start + 1 + (rng.random(n) * frame_count * 0.5).astype(np.int64), frame_count)
    else:
        start = np.clip(
            gt_start + np.round(rng.normal(0, jitter, n) * length).astype(np.int64), 0, frame_count - 1
        )
        end = np.clip(
            gt_end + np.round(rng.normal(0, jitter, n) * length).astype(np.int64), start + 1, frame_count
        )

    if frames == "tubedetr":
        owner, frame = tubedetr_sampled_frames(
            gt.segment_start_frame, gt.segment_end_frame, gt.fps, TUBEDETR.sampling_fps, TUBEDETR.max_frames
        )
    elif frames == "input":
        last = np.minimum(gt.segment_end_frame, frame_count - 1)
        owner, frame = concat_ranges(gt.segment_start_frame, last - gt.segment_start_frame + 1)
    elif frames == "hull":
        first = np.minimum(start, gt_start)
        stop = np.minimum(np.maximum(end, gt_end + 1), frame_count)
        owner, frame = concat_ranges(first, stop - first)
    else:
        owner, frame = concat_ranges(start, end - start)
        if frames == "sparse":
            last = np.zeros(len(frame), dtype=bool)
            last[:-1] = owner[1:] != owner[:-1]
            last[-1:] = True
            keep = ((frame - start[owner]) % 4 == 0) | last
            owner, frame = owner[keep], frame[keep]
    boxes = _boxes_near_truth(gt, owner, frame, rng, quality)
    return Predictions.from_arrays(
        sample_ids=np.arange(n),
        segments=np.stack([start, end], axis=1),
        box_sample_ids=owner,
        box_frames=frame,
        boxes=boxes,
        method={"name": f"synthetic-{quality}", "seed": seed, "frames": frames},
        dataset=gt.dataset,
        split=gt.split,
    )


def _boxes_near_truth(gt: GroundTruth, owner, frame, rng, quality) -> np.ndarray:
    """The ground-truth box nearest in time to each frame, jittered for the quality."""
    window_first = np.asarray(gt.window_start_frame)[owner]
    window_len = np.diff(gt.box_offsets)[owner]
    nearest = np.clip(frame, window_first, window_first + np.maximum(window_len, 1) - 1)
    boxes = window_boxes(gt, owner, nearest)
    gap = np.isnan(boxes).any(axis=1) & (nearest > window_first)
    boxes[gap] = window_boxes(gt, owner[gap], nearest[gap] - 1)  # a trajectory ending one frame early
    width = np.asarray(gt.width, dtype=np.float64)[owner]
    height = np.asarray(gt.height, dtype=np.float64)[owner]
    unknown = np.isnan(boxes).any(axis=1)
    boxes[unknown] = np.stack([width * 0.25, height * 0.25, width * 0.75, height * 0.75], axis=1)[unknown]
    if quality == "oracle":
        return boxes
    if quality == "random":
        x = np.sort(rng.random((len(owner), 2)) * width[:, None], axis=1)
        y = np.sort(rng.random((len(owner), 2)) * height[:, None], axis=1)
        return np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)
    scale = {"good": 0.05, "noisy": 0.2}[quality]
    size = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]] * 2, axis=1)
    return np.round(boxes + rng.normal(0, scale, boxes.shape) * size, 2)


class SyntheticAdapter(TubeAdapter):
    """The built-in synthetic VidSTG-layout split (200 sentences, seed 0)."""

    name = "synthetic"
    version = 1
    n_sentences = 200
    seed = 0

    def generate(self) -> tuple[list[dict], dict[str, dict]]:
        """The entries and VidOR videos of the synthetic split."""
        entries = make_entries(self.n_sentences, self.seed)
        return entries, make_vidor(entries, self.seed)

    def load(
        self, split="test", annotations=None, vidor_dir=None, *, use_cache=True, progress=False, **options
    ) -> Dataset:
        self.refuse_options(options)
        self.check_split(split)
        if annotations is not None or vidor_dir is not None:
            raise OptionError("the synthetic dataset is generated: it takes no --annotations or --vidor-dir")
        entries, videos = self.generate()
        digest = hashlib.sha256(msgspec.json.encode([entries, videos])).hexdigest()
        gt = groundtruth_from(entries, videos, self.name, split)
        return Dataset(adapter=self, gt=gt, inputs={"annotations": input_record(None, sha256=digest)})

    def resolve(self, gt, protocol):
        return resolve_vidstg(gt, protocol)


ADAPTER = SyntheticAdapter()

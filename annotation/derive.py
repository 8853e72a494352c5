"""From clicks to a GroundingYouTube-layout dataset.

Per frame (video, second, step):

* each annotator's answer is their click (the mean of their clicks if they
  placed several), else their choice; a frame is **visible** when at least
  ``threshold`` annotators clicked (default 3 of 5);
* the **box** of a visible frame is the hull of the clicks widened by a margin
  on each side -- preset ``paper``: 0.15 x frame width left and right, 0.15 x
  frame height above and below (the paper's rule, the default); preset
  ``release``: 100 px on every side (what the released boxes are consistent
  with) -- clipped to ``[0, width] x [0, height]``, then rounded to whole pixels
  (half up);
* frames whose box area exceeds ``spread_threshold`` px² are *widespread*, the
  others *saturated*;
* a **heatmap** is the density of the clicks: a sum of isotropic Gaussians of
  ``bandwidth`` px (normalised to integrate to 1 over the plane), sampled at
  the centres of ``heatmap_stride`` px cells;
* the **spread** of a frame is the mean distance of its clicks to their mean
  (the release's ``mean_dist``).

Each segment is refined to its first and last visible second (including the
margin seconds around it); a segment with no visible second is dropped.
GroundingYouTube has one box per (video, second): when a second is visible
for two steps, the step with more clicks keeps it (ties: the earlier segment).

Only the responses of annotations that vote reach this module
(:mod:`annotation.integrity`); the report of the excluded ones is copied into
``derivation.json``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from stvg_bench.core import atomic
from stvg_bench.core.errors import OptionError
from stvg_bench.core.jsonio import dumps_pretty

from .build import Build
from .errors import AnnotationInputError
from .frames import frame_name
from .responses import CLICK, Response


@dataclass(frozen=True)
class MarginRule:
    """Box margins: a fraction of the frame size (x of width, y of height), or fixed pixels."""

    name: str
    fraction: float | None = None
    pixels: float | None = None

    def __post_init__(self) -> None:
        if self.fraction is not None and not (math.isfinite(self.fraction) and 0 <= self.fraction <= 1):
            raise OptionError(f"--margin-fraction must be a number in [0, 1], got {self.fraction}")
        if self.pixels is not None and not (math.isfinite(self.pixels) and self.pixels >= 0):
            raise OptionError(f"--margin-px must be a finite number of pixels, at least 0, got {self.pixels}")

    def margins(self, width: int, height: int) -> tuple[float, float]:
        if self.pixels is not None:
            return self.pixels, self.pixels
        return self.fraction * width, self.fraction * height


PRESETS = {"paper": MarginRule("paper", fraction=0.15), "release": MarginRule("release", pixels=100.0)}


@dataclass(frozen=True)
class Parameters:
    """Everything the derivation depends on (written to ``derivation.json``)."""

    threshold: int = 3
    margin: MarginRule = PRESETS["paper"]
    bandwidth: float = 20.0
    heatmap_stride: int = 8
    spread_threshold: float = 50_000.0

    def __post_init__(self) -> None:
        finite = math.isfinite(self.bandwidth) and math.isfinite(self.spread_threshold)
        if not (finite and self.threshold >= 1 and self.bandwidth > 0 and self.heatmap_stride >= 1
                and self.spread_threshold >= 0):
            raise OptionError("threshold >= 1, bandwidth > 0, heatmap stride >= 1 and spread threshold >= 0")


@dataclass
class FrameResult:
    """The derivation of one frame."""

    video: str
    second: int
    step: str
    segment_id: int
    width: int
    height: int
    clicks: list[tuple[str, float, float]] = field(default_factory=list)
    cannot_answer: int = 0
    image_corrupt: int = 0
    visible: bool = False
    box: tuple[int, int, int, int] | None = None
    category: str | None = None
    mean_click: tuple[float, float] | None = None
    spread: float | None = None


def box_from_clicks(xy: np.ndarray, width: int, height: int, margin: MarginRule) -> tuple[int, int, int, int]:
    """Hull of the clicks widened by the margins, clipped to the frame, rounded half up to whole pixels."""
    mx, my = margin.margins(width, height)
    raw = (xy[:, 0].min() - mx, xy[:, 1].min() - my, xy[:, 0].max() + mx, xy[:, 1].max() + my)
    limits = (width, height, width, height)
    return tuple(math.floor(min(max(v, 0.0), limit) + 0.5) for v, limit in zip(raw, limits))


def heatmap(xy: np.ndarray, width: int, height: int, bandwidth: float, stride: int) -> np.ndarray:
    """Click density (per px²) at the centres of ``stride``-px cells, ``(ceil(h/stride), ceil(w/stride))``."""
    ys = (np.arange(math.ceil(height / stride)) + 0.5) * stride
    xs = (np.arange(math.ceil(width / stride)) + 0.5) * stride
    density = np.zeros((len(ys), len(xs)))
    for x, y in xy:
        density += np.exp(-((ys[:, None] - y) ** 2 + (xs[None, :] - x) ** 2) / (2 * bandwidth**2))
    return (density / (len(xy) * 2 * math.pi * bandwidth**2)).astype(np.float32)


def derive(build: Build, responses: list[Response], parameters: Parameters) -> tuple[list[FrameResult], dict]:
    """Visible frames, boxes, categories and spreads for every frame of ``build``; and counts.

    Refuses (AnnotationInputError naming the task and annotator) no responses at all, a response on a
    frame the build lacks or of another size than the build's, and a frame file missing on disk."""
    if not responses:
        raise AnnotationInputError("no responses: nothing to derive")
    frames = {
        (f.video, f.second, f.segment_id): FrameResult(f.video, f.second, f.step, f.segment_id, f.width, f.height)
        for f in build.frames
    }
    per_annotator: dict[tuple, dict[str, list]] = {}
    for r in responses:
        key = (r.video, r.second, r.segment_id)
        if key not in frames:
            raise AnnotationInputError(f"a response for {r.video} second {r.second}, which is not in the build",
                                       task=r.task_id, annotator=r.annotator)
        if (r.width, r.height) != (frames[key].width, frames[key].height):
            raise AnnotationInputError(f"a response on a {r.width}x{r.height} frame; the build wrote "
                                       f"{frames[key].width}x{frames[key].height}", task=r.task_id,
                                       annotator=r.annotator)
        per_annotator.setdefault(key + (r.annotator,), {"clicks": [], "choices": []})
        if r.response == CLICK:
            per_annotator[key + (r.annotator,)]["clicks"].append((r.x_px, r.y_px))
        else:
            per_annotator[key + (r.annotator,)]["choices"].append(r.response)
    for frame in build.frames:
        if not frame.path.is_file():
            on_it = next((r for r in responses if (r.video, r.second, r.segment_id) == (
                frame.video, frame.second, frame.segment_id)), None)
            raise AnnotationInputError(f"frame file missing: {frame.path}",
                                       task=on_it.task_id if on_it else None,
                                       annotator=on_it.annotator if on_it else None)
    counts = {"frames": len(frames), "annotators_with_several_clicks": 0, "annotators_who_clicked_and_chose": 0}
    for (*key, annotator), answer in per_annotator.items():
        frame = frames[tuple(key)]
        if answer["clicks"]:
            counts["annotators_with_several_clicks"] += len(answer["clicks"]) > 1
            counts["annotators_who_clicked_and_chose"] += bool(answer["choices"])
            x, y = np.mean(answer["clicks"], axis=0)
            frame.clicks.append((annotator, float(x), float(y)))
        elif "cannot answer" in answer["choices"]:
            frame.cannot_answer += 1
        else:
            frame.image_corrupt += 1
    for frame in frames.values():
        if not frame.clicks:
            continue
        xy = np.array([(x, y) for _, x, y in frame.clicks])
        mean = xy.mean(axis=0)
        frame.mean_click = (float(mean[0]), float(mean[1]))
        frame.spread = float(np.linalg.norm(xy - mean, axis=1).mean())
        frame.visible = len(frame.clicks) >= parameters.threshold
        if frame.visible:
            frame.box = box_from_clicks(xy, frame.width, frame.height, parameters.margin)
            area = (frame.box[2] - frame.box[0]) * (frame.box[3] - frame.box[1])
            frame.category = "widespread" if area > parameters.spread_threshold else "saturated"
    results = sorted(frames.values(), key=lambda f: (f.video, f.second, f.segment_id))
    counts["visible_frames"] = sum(f.visible for f in results)
    counts["frames_without_any_click"] = sum(not f.clicks for f in results)
    return results, counts


def refined_segments(build: Build, results: list[FrameResult]) -> tuple[dict[str, list[dict]], int]:
    """Segments cut to their first and last visible second; and how many had none."""
    visible: dict[tuple[str, int], list[int]] = {}
    for frame in results:
        if frame.visible:
            visible.setdefault((frame.video, frame.segment_id), []).append(frame.second)
    out, dropped = {}, 0
    for video, segments in build.segments.items():
        out[video] = []
        for segment in segments:
            seconds = visible.get((video, segment.segment_id))
            if not seconds:
                dropped += 1
                continue
            out[video].append({"segment": [min(seconds), max(seconds)], "id": segment.segment_id,
                               "sentence": segment.step})
    return out, dropped


def one_box_per_second(results: list[FrameResult]) -> tuple[list[FrameResult], int]:
    """Visible frames, keeping one per (video, second): most clicks, then the earlier segment."""
    chosen: dict[tuple[str, int], FrameResult] = {}
    shared = 0
    for frame in results:
        if not frame.visible:
            continue
        key = (frame.video, frame.second)
        if key in chosen:
            shared += 1
            if len(frame.clicks) <= len(chosen[key].clicks):
                continue
        chosen[key] = frame
    return sorted(chosen.values(), key=lambda f: (f.video, f.second)), shared


def spread_statistics(results: list[FrameResult]) -> dict:
    """Inter-annotator spread: per frame (in the dataset) and overall."""
    with_clicks = [f for f in results if len(f.clicks) >= 2]
    distances = [math.dist((x, y), f.mean_click) for f in with_clicks for _, x, y in f.clicks]
    return {
        "frames_with_two_or_more_clicks": len(with_clicks),
        "mean_spread_per_frame_px": float(np.mean([f.spread for f in with_clicks])) if with_clicks else None,
        "median_spread_per_frame_px": float(np.median([f.spread for f in with_clicks])) if with_clicks else None,
        "mean_click_distance_px": float(np.mean(distances)) if distances else None,
    }


def write_dataset(build: Build, results: list[FrameResult], counts: dict, parameters: Parameters, out: Path,
                  exclusions: dict) -> dict:
    """Write the GroundingYouTube-layout dataset directory (atomically) and return its summary.

    ``exclusions``: the report of the annotations left out of the vote (it goes to ``derivation.json``).
    A derivation without a single box never replaces an existing directory."""
    segments, dropped = refined_segments(build, results)
    boxed, shared = one_box_per_second(results)
    if not boxed and Path(out).exists():
        raise AnnotationInputError(f"the responses give no box at all: {out} is left as it is (choose "
                                   "another --out to write an empty dataset)", path=out)
    sizes = {}
    for frame in results:
        if sizes.setdefault(frame.video, (frame.width, frame.height)) != (frame.width, frame.height):
            raise AnnotationInputError(f"video {frame.video} has frames of several sizes", path=build.directory)
    box_list: dict[str, list] = {v: [] for v in build.segments}
    box_dict: dict[str, dict] = {v: {} for v in build.segments}
    for frame in boxed:
        box_list[frame.video].append({"second": frame.second, "box": list(frame.box), "step_name": frame.step,
                                      "category": frame.category})
        box_dict[frame.video][str(frame.second)] = {"box": list(frame.box), "step": frame.step}
    steps = {v: list(dict.fromkeys([s.step for s in segs] + ["background"])) for v, segs in build.segments.items()}
    clicks = {}
    aggregated = []
    for frame in results:
        clicks.setdefault(frame.video, {}).setdefault(str(frame.second), []).extend(
            {"annotator": a, "x": x, "y": y, "step": frame.step} for a, x, y in frame.clicks)
        name = frame_name(frame.video, frame.second, frame.step)
        aggregated.append({
            "image_url": f"frames/{frame.video}/{name}",
            "x": frame.mean_click[0] if frame.visible else None,
            "y": frame.mean_click[1] if frame.visible else None,
            "mean_dist": frame.spread if frame.visible else None,
        })
    summary = {
        **counts,
        "boxes": len(boxed),
        "seconds_visible_for_two_steps": shared,
        "segments": sum(len(s) for s in build.segments.values()),
        "segments_kept": sum(len(s) for s in segments.values()),
        "segments_without_a_visible_second": dropped,
        "widespread": sum(f.category == "widespread" for f in boxed),
        "saturated": sum(f.category == "saturated" for f in boxed),
        "spread": spread_statistics(results),
        "annotations_excluded": exclusions["count"],
    }
    with atomic.directory(out) as tmp:
        files = {
            "box_anno.json": box_list,
            "GoundingYouTubeBox.json": box_dict,
            "ground_seg.json": segments,
            "vid2step.json": steps,
            "id2wh_new.json": {v: list(size) for v, size in sizes.items()},
            "clicks.json": clicks,
            "clicks_aggregated.json": aggregated,
            "frames.json": [
                {"video": f.video, "second": f.second, "step": f.step, "segment_id": f.segment_id,
                 "visible": f.visible, "clicks": len(f.clicks), "cannot_answer": f.cannot_answer,
                 "image_corrupt": f.image_corrupt, "spread": f.spread, "box": list(f.box) if f.box else None}
                for f in results
            ],
            "derivation.json": {"parameters": {**asdict(parameters)}, "summary": summary,
                                "excluded_annotations": exclusions},
        }
        for name, content in files.items():
            (tmp / name).write_bytes(dumps_pretty(content))
        (tmp / "heatmaps").mkdir()
        for video in build.segments:
            mine = [f for f in results if f.video == video and f.clicks]
            if not mine:
                continue
            maps = np.stack([heatmap(np.array([(x, y) for _, x, y in f.clicks]), f.width, f.height,
                                     parameters.bandwidth, parameters.heatmap_stride) for f in mine])
            np.savez(tmp / "heatmaps" / f"{video}.npz", seconds=np.array([f.second for f in mine]),
                     steps=np.array([f.step for f in mine], dtype=str), density=maps,
                     stride=np.array(parameters.heatmap_stride))
    return summary

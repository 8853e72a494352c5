"""HC-STVG v1 and v2 (human-centric spatio-temporal video grounding).

Layouts:

* official v1: ``{"<name>.mp4": {img_num, width, height, st_frame, bbox:
  [[x, y, w, h], ...], st_time, ed_time, caption}}``;
* official v2: the same with ``img_size: [h, w]`` and ``English``;
* TubeDETR's ``*_proc.json``: a list of ``{original_video_id, frame_count,
  width, height, tube_start_frame, tube_end_frame, caption, video_id,
  trajectory}``.

``st_frame`` is 1-based: ``bbox[k]`` belongs to 0-based frame ``st_frame - 1 + k``;
valid frames are ``[0, img_num)``. Sample order is the order of the file.
TubeDETR takes the frame rate as ``img_num / 20`` (the clips last 20 s) and
samples ``[0, img_num - 1)``; both are stored as the sample's ``fps`` and
input segment so the protocol code is shared with VidSTG.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np

from ..core.errors import AnnotationError, DatasetMismatchError, InputFileError
from ..core.geometry import xywh_to_xyxy
from ..data.tube_table import ScoringTable, closed_table, half_open_table
from ..data.tubes import GroundTruth
from ..protocols.tubes import TubeProtocol
from .base import (
    Dataset,
    TubeAdapter,
    VideoFacts,
    check_box_values,
    check_groundtruth_frames,
    decode_annotation,
)
from .cache import AnnotationFile, cached_groundtruth
from .sniff import describe_layout, sniff_layout

CLIP_SECONDS = 20


class _OfficialV1(msgspec.Struct, gc=False):
    img_num: int
    width: int
    height: int
    st_frame: int
    bbox: list[tuple[float, float, float, float]]
    caption: str


class _OfficialV2(msgspec.Struct, gc=False):
    img_num: int
    img_size: tuple[int, int]
    st_frame: int
    bbox: list[tuple[float, float, float, float]]
    English: str


class _Proc(msgspec.Struct, gc=False):
    original_video_id: str
    frame_count: int
    width: int
    height: int
    tube_start_frame: int
    tube_end_frame: int
    caption: str
    video_id: int
    trajectory: list[tuple[float, float, float, float]]


class _Samples:
    """Per-sample values read from any layout: 1-based start frame and xywh boxes."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sentences: list[str] = []
        self.frame_count: list[int] = []
        self.width: list[int] = []
        self.height: list[int] = []
        self.st_frame: list[int] = []
        self.boxes_xywh: list[list[tuple[float, float, float, float]]] = []

    def add(self, name, sentence, frame_count, width, height, st_frame, boxes) -> None:
        self.names.append(name)
        self.sentences.append(sentence)
        self.frame_count.append(frame_count)
        self.width.append(width)
        self.height.append(height)
        self.st_frame.append(st_frame)
        self.boxes_xywh.append(boxes)

    def check(self, path: Path, v2: bool, official: bool) -> None:
        """Refuse videos with facts no protocol can use, naming the fields as the layout does."""
        if not official:
            names = {}
        elif v2:
            names = {"frame_count": "img_num", "width": "img_size[1]", "height": "img_size[0]"}
        else:
            names = {"frame_count": "img_num"}
        indices = {"tube_start_frame" if not official else "st_frame": self.st_frame}
        VideoFacts(self.names, self.frame_count, self.width, self.height, frame_indices=indices, names=names).check(path)
        check_groundtruth_frames(sum(len(boxes) for boxes in self.boxes_xywh), path)


def _read_official(data: bytes, path: Path, v2: bool) -> _Samples:
    samples = _Samples()
    if v2:
        for name, a in decode_annotation(data, dict[str, _OfficialV2], path, "HC-STVG v2 annotation").items():
            samples.add(name, a.English, a.img_num, a.img_size[1], a.img_size[0], a.st_frame, a.bbox)
    else:
        for name, a in decode_annotation(data, dict[str, _OfficialV1], path, "HC-STVG v1 annotation").items():
            samples.add(name, a.caption, a.img_num, a.width, a.height, a.st_frame, a.bbox)
    return samples


def _read_proc(data: bytes, path: Path) -> _Samples:
    samples = _Samples()
    for index, a in enumerate(decode_annotation(data, list[_Proc], path, "TubeDETR HC-STVG annotation")):
        if a.video_id != index or a.tube_end_frame != a.tube_start_frame + len(a.trajectory):
            raise AnnotationError(
                f"entry {index}: video_id {a.video_id} / tube_end_frame {a.tube_end_frame} do not follow "
                f"TubeDETR's preprocessing (video_id = index, tube_end_frame = tube_start_frame + len(trajectory))",
                path=path,
            )
        samples.add(
            a.original_video_id, a.caption, a.frame_count, a.width, a.height, a.tube_start_frame, a.trajectory
        )
    return samples


def hcstvg_groundtruth(samples: _Samples, dataset: str, split: str, box_field: str = "bbox") -> GroundTruth:
    """Columnar ground truth; the box window of a sample is exactly its ``bbox`` list (``box_field``, the
    layout's name for it, is what a box beyond ±MAX_COORDINATE is reported under)."""
    n = len(samples.names)
    frame_count = np.array(samples.frame_count, dtype=np.int64)
    window_start = np.array(samples.st_frame, dtype=np.int64) - 1
    lengths = np.array([len(b) for b in samples.boxes_xywh], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = [box for boxes in samples.boxes_xywh for box in boxes]
    boxes_xywh = np.array(flat, dtype=np.float64).reshape(-1, 4)

    def owner(row: int) -> str:
        return samples.names[int(np.searchsorted(offsets, row, "right")) - 1]

    check_box_values(boxes_xywh, None, owner, box_field)
    boxes = xywh_to_xyxy(boxes_xywh)
    defects = {}
    beyond = int(((window_start < 0) | (window_start + lengths > frame_count)).sum())
    if beyond:
        defects["gt_boxes_outside_video"] = beyond
    return GroundTruth(
        dataset=dataset,
        split=split,
        query_type_names=("all",),
        video_id=np.array(samples.names, dtype=str),
        sentence=np.array(samples.sentences, dtype=str),
        query_type=np.zeros(n, dtype=np.int8),
        frame_count=frame_count,
        fps=frame_count / CLIP_SECONDS,
        width=np.array(samples.width, dtype=np.int64),
        height=np.array(samples.height, dtype=np.int64),
        gt_start_frame=window_start,
        gt_end_frame_exclusive=window_start + lengths,
        segment_start_frame=np.zeros(n, dtype=np.int64),
        segment_end_frame=frame_count - 1,
        stcat_item_id=np.arange(n, dtype=np.int64),
        box_offsets=offsets,
        window_start_frame=window_start,
        box_xyxy=boxes,
        defects=defects,
    )


def resolve_hcstvg(gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
    """HC-STVG ground truth under ``protocol`` (docs/METRICS.md §2.4-§2.7).

    Half-open: ``[st_frame - 1, st_frame - 1 + len(bbox))`` shifted by
    ``protocol.hcstvg_frame_offset`` (TubeDETR: 1, i.e. ``bbox[k]`` at frame
    ``st_frame + k``). Closed (STCAT): ``[max(0, st_frame - 1),
    min(st_frame - 2 + len(bbox), img_num - 1)]``, kept only when its length is
    ``len(bbox)`` (STCAT asserts it).
    """
    offset = protocol.hcstvg_frame_offset
    if protocol.gt_interval != "closed":
        return half_open_table(
            protocol,
            gt,
            gt.gt_start_frame + offset,
            gt.gt_end_frame_exclusive + offset,
            box_frame_offset=offset,
        )
    start = np.maximum(gt.gt_start_frame, 0)
    closed_end = np.minimum(gt.gt_end_frame_exclusive - 1, gt.frame_count - 1)
    keep = closed_end - start + 1 == gt.window_length()
    return closed_table(protocol, gt, keep, start, closed_end)


class HcstvgAdapter(TubeAdapter):
    """HC-STVG v1 or v2 (``v2`` chooses the official layout's field names)."""

    version = 2  # 2: videos with unusable facts are refused before caching

    def __init__(self, v2: bool) -> None:
        self.v2 = v2
        self.name = "hcstvg-v2" if v2 else "hcstvg-v1"

    def load(self, split, annotations=None, vidor_dir=None, *, use_cache=True, progress=False, **options) -> Dataset:
        self.refuse_options(options)
        self.check_split(split)
        if annotations is None:
            raise InputFileError(f"{self.name}: pass --annotations with the {split} annotation file")
        source = AnnotationFile(annotations)
        path = source.path
        head = source.head()
        layout = sniff_layout(head)
        if layout not in ("hcstvg-official", "hcstvg-tubedetr"):
            raise DatasetMismatchError(
                f"not an HC-STVG annotation file: it looks like {describe_layout(head)}", path=path
            )
        if layout == "hcstvg-official" and (b'"img_size"' in head) != self.v2:
            other = "v1" if self.v2 else "v2"
            raise DatasetMismatchError(
                f"this is an HC-STVG {other} file; use --dataset hcstvg-{other}", path=path
            )
        inputs = {"annotations": source.record()}

        def build() -> GroundTruth:
            data = source.data()
            official = layout == "hcstvg-official"
            samples = _read_official(data, path, self.v2) if official else _read_proc(data, path)
            samples.check(path, self.v2, official)
            try:
                return hcstvg_groundtruth(samples, self.name, split, "bbox" if official else "trajectory")
            except AnnotationError as exc:
                raise exc.with_path(path) from None

        gt, cache_dir = cached_groundtruth(self.name, self.version, split, inputs, build, use_cache)
        return Dataset(adapter=self, gt=gt, inputs=inputs, cache_dir=cache_dir)

    def resolve(self, gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
        return resolve_hcstvg(gt, protocol)


V1 = HcstvgAdapter(v2=False)
V2 = HcstvgAdapter(v2=True)

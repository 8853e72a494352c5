"""VidSTG (CVPR 2020): sentence annotations over VidOR box trajectories.

Two input layouts give the same ground truth:

* ``official``: the released ``{split}_annotations.json`` plus a VidOR
  annotation directory (``--vidor-dir``);
* ``tubedetr``: TubeDETR's preprocessed ``{split}.json`` (``videos`` and
  ``trajectories``, boxes in xywh).

Sample ids follow TubeDETR: per annotation entry, questions (interrogative)
first, then captions (declarative), numbered over the file. STCAT numbers
captions first; that numbering is kept in ``stcat_item_id``.

Without ``--vidor-dir`` the official layout gives *temporal-only* ground
truth (``has_boxes`` false): only m_tIoU can be scored, and results say why
the box metrics are missing.

Interval conventions (docs/METRICS.md §2.2): ``temporal_gt`` is half-open (its
``end_fid`` may equal ``frame_count``); ``used_segment`` is kept as released.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from ..core.cachedir import cache_root
from ..core.errors import AnnotationError, DatasetMismatchError, InputFileError, quote
from ..core.geometry import xywh_to_xyxy
from ..core.ids import parse_ids
from ..core.jsonio import gc_paused
from ..core.progress import track
from ..data.tube_table import ScoringTable, closed_table, half_open_table
from ..data.tubes import GroundTruth
from ..protocols.tubes import TubeProtocol
from . import vidor
from .base import (
    Dataset,
    TubeAdapter,
    VideoFacts,
    check_box_values,
    check_groundtruth_frames,
    decode_annotation,
)
from .cache import AnnotationFile, cached_groundtruth, directory_signature, input_record
from .sniff import describe_layout, sniff_layout

QUERY_TYPES = ("declarative", "interrogative")
DECLARATIVE, INTERROGATIVE = 0, 1


class _Interval(msgspec.Struct, gc=False):
    begin_fid: int
    end_fid: int


class _Sentence(msgspec.Struct, gc=False):
    description: str
    target_id: int


class _Entry(msgspec.Struct, gc=False):
    vid: str
    fps: float
    frame_count: int
    width: int
    height: int
    used_segment: _Interval
    temporal_gt: _Interval
    captions: list[_Sentence]
    questions: list[_Sentence]


class _TubeVideo(msgspec.Struct, gc=False):
    video_id: int
    original_video_id: str
    frame_count: int
    fps: float
    width: int
    height: int
    start_frame: int
    end_frame: int
    tube_start_frame: int
    tube_end_frame: int
    target_id: int
    qtype: str
    caption: str


class _TubeFile(msgspec.Struct, gc=False):
    videos: list[_TubeVideo]
    trajectories: dict[str, dict[str, msgspec.Raw]]


class _TubeFrame(msgspec.Struct, gc=False):
    bbox: tuple[float, float, float, float]


_TRAJECTORY_DECODER = msgspec.json.Decoder(dict[str, _TubeFrame])


def _check_layout(data: bytes, path: Path, expected: tuple[str, ...], dataset: str) -> str:
    layout = sniff_layout(data)
    if layout not in expected:
        raise DatasetMismatchError(
            f"not a {dataset} annotation file: it looks like {describe_layout(data)}", path=path
        )
    return layout


class _SampleColumns:
    """Per-sample lists collected while reading either layout."""

    def __init__(self) -> None:
        self.video_id: list[str] = []
        self.sentence: list[str] = []
        self.query_type: list[int] = []
        self.target_id: list[int] = []
        self.frame_count: list[int] = []
        self.fps: list[float] = []
        self.width: list[int] = []
        self.height: list[int] = []
        self.gt_start: list[int] = []
        self.gt_end: list[int] = []
        self.segment_start: list[int] = []
        self.segment_end: list[int] = []
        self.stcat_item_id: list[int] = []

    def add(self, video_id, sentence, query_type, target_id, frame_count, fps, width, height, gt, segment,
            stcat_item_id) -> None:
        """One sample; ``gt`` and ``segment`` are ``(begin, end)`` pairs as released."""
        for column, value in (
            (self.video_id, video_id), (self.sentence, sentence), (self.query_type, query_type),
            (self.target_id, target_id), (self.frame_count, frame_count), (self.fps, fps), (self.width, width),
            (self.height, height), (self.gt_start, gt[0]), (self.gt_end, gt[1]), (self.segment_start, segment[0]),
            (self.segment_end, segment[1]), (self.stcat_item_id, stcat_item_id),
        ):
            column.append(value)

    def check(self, path: Path) -> None:
        """Refuse videos with facts no protocol can use (:class:`~stvg_bench.datasets.base.VideoFacts`)."""
        indices = {"begin_fid": self.gt_start, "end_fid": self.gt_end, "used_segment.begin_fid": self.segment_start,
                   "used_segment.end_fid": self.segment_end}
        VideoFacts(self.video_id, self.frame_count, self.width, self.height, self.fps, indices).check(path)


def vidstg_groundtruth(
    columns: _SampleColumns,
    trajectory_boxes,
    dataset: str,
    split: str,
    path: Path | None = None,
) -> GroundTruth:
    """Assemble the columnar ground truth of checked ``columns`` (read from ``path``).

    ``trajectory_boxes(video_id, target_id, start, end)`` returns the trajectory's xyxy boxes on frames
    ``[start, end)`` as an ``(end - start, 4)`` array (NaN where it has no box); it is None for
    temporal-only ground truth (no boxes: every window is empty)."""
    frame_count = np.array(columns.frame_count, dtype=np.int64)
    gt_start = np.array(columns.gt_start, dtype=np.int64)
    gt_end = np.array(columns.gt_end, dtype=np.int64)
    window_start = np.clip(gt_start, 0, frame_count)
    window_end = np.clip(np.minimum(gt_end + 1, frame_count), window_start, None)
    if trajectory_boxes is None:
        window_end = window_start
    lengths = window_end - window_start
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    check_groundtruth_frames(int(offsets[-1]), path)
    boxes = np.empty((int(offsets[-1]), 4), dtype=np.float64)
    for i, (video, target) in enumerate(zip(columns.video_id, columns.target_id)):
        if trajectory_boxes is not None:
            start, end = int(window_start[i]), int(window_end[i])
            boxes[offsets[i] : offsets[i + 1]] = trajectory_boxes(video, target, start, end)
    defects = {}
    empty = int((gt_end <= gt_start).sum())
    if empty:
        defects["gt_empty_intervals"] = empty
    beyond = int(((gt_start < 0) | (gt_end > frame_count)).sum())
    if beyond:
        defects["gt_intervals_outside_video"] = beyond
    return GroundTruth(
        dataset=dataset,
        split=split,
        query_type_names=QUERY_TYPES,
        video_id=np.array(columns.video_id, dtype=str),
        sentence=np.array(columns.sentence, dtype=str),
        query_type=np.array(columns.query_type, dtype=np.int8),
        frame_count=frame_count,
        fps=np.array(columns.fps, dtype=np.float64),
        width=np.array(columns.width, dtype=np.int64),
        height=np.array(columns.height, dtype=np.int64),
        gt_start_frame=gt_start,
        gt_end_frame_exclusive=gt_end,
        segment_start_frame=np.array(columns.segment_start, dtype=np.int64),
        segment_end_frame=np.array(columns.segment_end, dtype=np.int64),
        stcat_item_id=np.array(columns.stcat_item_id, dtype=np.int64),
        box_offsets=offsets,
        window_start_frame=window_start,
        box_xyxy=boxes,
        defects=defects,
        has_boxes=trajectory_boxes is not None,
    )


def columns_from_official(entries: list[_Entry]) -> _SampleColumns:
    """Samples of the official layout in TubeDETR order, with STCAT's item ids."""
    cols = _SampleColumns()
    item_base = 0
    for entry in entries:
        n_captions = len(entry.captions)
        ordered = [(s, INTERROGATIVE, n_captions + k) for k, s in enumerate(entry.questions)]
        ordered += [(s, DECLARATIVE, k) for k, s in enumerate(entry.captions)]
        for sentence, qtype, stcat_rank in ordered:
            cols.add(entry.vid, sentence.description, qtype, sentence.target_id, entry.frame_count, entry.fps,
                     entry.width, entry.height, (entry.temporal_gt.begin_fid, entry.temporal_gt.end_fid),
                     (entry.used_segment.begin_fid, entry.used_segment.end_fid), item_base + stcat_rank)
        item_base += len(ordered)
    return cols


def columns_from_tubedetr(videos: list[_TubeVideo], path: Path) -> _SampleColumns:
    """Samples of TubeDETR's layout; STCAT item ids are recovered from the entry structure.

    An annotation entry is a run of consecutive samples with the same video,
    input segment and ground-truth interval, made of interrogatives followed by
    one declarative (every released VidSTG entry has exactly one caption); a new
    entry starts where that pattern restarts.
    """
    cols = _SampleColumns()
    entry: list[int] = []

    def close_entry() -> None:
        declaratives = [i for i in entry if cols.query_type[i] == DECLARATIVE]
        interrogatives = [i for i in entry if cols.query_type[i] == INTERROGATIVE]
        base = entry[0] if entry else 0
        for rank, i in enumerate(declaratives + interrogatives):
            cols.stcat_item_id[i] = base + rank
        entry.clear()

    previous_key = None
    for index, video in enumerate(videos):
        if video.video_id != index:
            raise AnnotationError(
                f"videos[{index}].video_id is {video.video_id}; TubeDETR numbers samples 0, 1, 2, ...",
                path=path,
            )
        if video.qtype not in QUERY_TYPES:
            raise AnnotationError(f"videos[{index}].qtype is {quote(video.qtype)}", path=path)
        qtype = QUERY_TYPES.index(video.qtype)
        key = (
            video.original_video_id,
            video.start_frame,
            video.end_frame,
            video.tube_start_frame,
            video.tube_end_frame,
        )
        previous_declarative = bool(entry) and cols.query_type[entry[-1]] == DECLARATIVE
        if entry and (key != previous_key or previous_declarative):
            close_entry()
        previous_key = key
        entry.append(index)
        cols.add(video.original_video_id, video.caption, qtype, video.target_id, video.frame_count, video.fps,
                 video.width, video.height, (video.tube_start_frame, video.tube_end_frame),
                 (video.start_frame, video.end_frame), -1)
    close_entry()
    return cols


def resolve_vidstg(gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
    """VidSTG ground truth under ``protocol`` (docs/METRICS.md §2.4-§2.7).

    Closed (STCAT): ``[begin_fid, min(end_fid, used_segment.end_fid)]``; STCAT
    drops sentences whose ground truth lies outside the input segment or whose
    box list does not match that interval's length. Half-open: ``temporal_gt``
    as released, sampled frames taken from ``used_segment``.
    """
    if protocol.gt_interval != "closed":
        return half_open_table(protocol, gt, gt.gt_start_frame, gt.gt_end_frame_exclusive)
    gt_start = np.asarray(gt.gt_start_frame)
    gt_end = np.asarray(gt.gt_end_frame_exclusive)
    closed_end = np.minimum(gt_end, gt.segment_end_frame)
    keep = ~((gt_end < gt.segment_start_frame) | (gt_start > gt.segment_end_frame))
    if gt.has_boxes:  # STCAT also drops sentences whose box list does not cover the interval
        keep &= gt.window_length() == closed_end - gt_start + 1
    return closed_table(protocol, gt, keep, gt_start, closed_end)


class VidstgAdapter(TubeAdapter):
    name = "vidstg"
    version = 2  # 2: videos with unusable facts are refused before caching

    def default_annotations(self, split: str) -> Path:
        return cache_root() / "vidstg" / f"{split}_annotations.json"

    def load(self, split, annotations=None, vidor_dir=None, *, use_cache=True, progress=False, **options) -> Dataset:
        self.refuse_options(options)
        self.check_split(split)
        if annotations is None:
            annotations = self.default_annotations(split)
            if not annotations.is_file():
                raise InputFileError(
                    "no annotation file: pass --annotations, or run `stvg-bench datasets fetch vidstg`",
                    path=annotations,
                )
        source = AnnotationFile(annotations)
        path = source.path
        layout = _check_layout(source.head(), path, ("vidstg-official", "vidstg-tubedetr"), "VidSTG")
        inputs = {"annotations": source.record()}
        if layout == "vidstg-official" and vidor_dir is None:

            def build() -> GroundTruth:  # temporal only: the sentences carry no boxes
                entries = decode_annotation(source.data(), list[_Entry], path, "VidSTG annotation")
                columns = columns_from_official(entries)
                columns.check(path)
                return vidstg_groundtruth(columns, None, self.name, split, path)

        elif layout == "vidstg-official":
            vidor_dir = Path(vidor_dir)
            index = vidor.index_directory(vidor_dir)
            inputs["vidor_dir"] = input_record(vidor_dir, signature=directory_signature(list(index.values()), vidor_dir))

            def build() -> GroundTruth:
                return self._from_official(source.data(), path, index, split, progress)

        else:

            def build() -> GroundTruth:
                return self._from_tubedetr(source.data(), path, split, progress)

        gt, cache_dir = cached_groundtruth(self.name, self.version, split, inputs, build, use_cache)
        return Dataset(adapter=self, gt=gt, inputs=inputs, cache_dir=cache_dir)

    def _from_official(self, data, path, index, split, progress) -> GroundTruth:
        entries = decode_annotation(data, list[_Entry], path, "VidSTG annotation")
        columns = columns_from_official(entries)
        columns.check(path)
        wanted: dict[str, set[int]] = {}
        frame_counts: dict[str, int] = {}
        for video, target, frames in zip(columns.video_id, columns.target_id, columns.frame_count):
            wanted.setdefault(video, set()).add(target)
            frame_counts[video] = frames
        trajectories: dict[tuple[str, int], np.ndarray] = {}
        for video in track(wanted, len(wanted), "Reading VidOR boxes", progress):
            if video not in index:
                raise AnnotationError(f"no VidOR annotation for video {quote(video)}", path=path)
            for tid, boxes in vidor.read_trajectories(
                index[video], wanted[video], frame_counts[video]
            ).items():
                trajectories[video, tid] = boxes
        return vidstg_groundtruth(columns, lambda v, t, a, b: trajectories[v, t][a:b], self.name, split, path)

    def _from_tubedetr(self, data, path, split, progress) -> GroundTruth:
        parsed = decode_annotation(data, _TubeFile, path, "TubeDETR VidSTG annotation")
        columns = columns_from_tubedetr(parsed.videos, path)
        columns.check(path)
        frame_counts = dict(zip(columns.video_id, columns.frame_count))
        needed = sorted(set(zip(columns.video_id, columns.target_id)))
        trajectories: dict[tuple[str, int], SparseTrajectory] = {}
        for video, target in track(needed, len(needed), "Reading trajectories", progress):
            raw = parsed.trajectories.get(video, {}).get(str(target))
            if raw is None:
                raise AnnotationError(f"trajectories[{quote(video)}][{quote(str(target))}] is missing", path=path)
            trajectories[video, target] = _tubedetr_trajectory(raw, frame_counts[video], path, video, target)
        return vidstg_groundtruth(columns, lambda v, t, a, b: trajectories[v, t].window(a, b), self.name, split, path)

    def resolve(self, gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
        return resolve_vidstg(gt, protocol)

    def split_listed_for(self, dataset, annotations) -> tuple[str, Path] | None:
        """The split whose official ``<split>_files.json`` (beside the annotations, else fetched) lists every
        video of ``dataset``; None without lists, or when no single list holds them all."""
        folders = [Path(annotations).parent] if annotations is not None else []
        folders.append(cache_root() / "vidstg")
        videos = set(np.unique(np.asarray(dataset.gt.video_id)).tolist())
        holding = []
        for split in self.info.splits:
            listing = next((f / f"{split}_files.json" for f in folders if (f / f"{split}_files.json").is_file()), None)
            if listing is not None and videos <= set(_video_list(listing)):
                holding.append((split, listing))
        return holding[0] if len(holding) == 1 else None


@dataclass(frozen=True)
class SparseTrajectory:
    """The boxes of one trajectory on the frames it has (``frames``, ``boxes_xyxy`` row by row)."""

    frames: np.ndarray
    boxes_xyxy: np.ndarray

    def window(self, start: int, end: int) -> np.ndarray:
        """Boxes on frames ``[start, end)``: ``(end - start, 4)``, NaN where the trajectory has no box."""
        out = np.full((end - start, 4), np.nan)
        inside = (self.frames >= start) & (self.frames < end)
        out[self.frames[inside] - start] = self.boxes_xyxy[inside]
        return out


def _video_list(path: Path) -> list[str]:
    """An official ``<split>_files.json``: a JSON list of video ids."""
    source = AnnotationFile(path)
    return [str(v) for v in decode_annotation(source.data(), list[str | int], path, "VidSTG video list")]


def _tubedetr_trajectory(
    raw: msgspec.Raw, frame_count: int, path: Path, video: str, target: int
) -> SparseTrajectory:
    """One trajectory ``{frame: {"bbox": [x, y, w, h]}}`` with frame keys in ``[0, frame_count)``."""
    try:
        with gc_paused():
            frames = _TRAJECTORY_DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError) as exc:
        reason = exc if not isinstance(exc, RecursionError) else "JSON nested too deeply"
        where = f"trajectories[{quote(video)}][{quote(str(target))}]"
        raise AnnotationError(f"invalid {where}: {reason}", path=path) from None
    if not frames:
        return SparseTrajectory(np.zeros(0, dtype=np.int64), np.zeros((0, 4)))
    where = f"trajectories[{quote(video)}][{quote(str(target))}]"
    frame_ids = parse_ids(list(frames))
    if frame_ids is None:
        key = next(k for k in frames if parse_ids([k]) is None)
        raise AnnotationError(f"{where} has frame key {quote(key)}: not an ASCII-digit frame key", path=path)
    if frame_ids.max() >= frame_count:
        raise AnnotationError(f"{where} has frame keys outside 0-{frame_count - 1}", path=path)
    boxes_xywh = np.array([f.bbox for f in frames.values()], dtype=np.float64)
    check_box_values(boxes_xywh, path, lambda row: video, where)
    boxes = xywh_to_xyxy(boxes_xywh)
    return SparseTrajectory(frame_ids, boxes)


ADAPTER = VidstgAdapter()

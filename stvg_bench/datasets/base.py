"""What every dataset adapter provides, the loaded-dataset objects the tasks score against, and the one
decode helper every adapter reads its annotation files with."""

from __future__ import annotations

import dataclasses
import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from ..core import cache_lru
from ..core.arrays import lookup_sorted
from ..core.errors import (
    AnnotationError,
    DatasetMismatchError,
    InputFileError,
    OptionError,
    SampleIdError,
    quote,
)
from ..core.geometry import MAX_COORDINATE
from ..core.jsonio import gc_paused, line_column, nearest_keys
from ..data import tube_table
from ..data.actions import ActionGroundTruth
from ..data.tube_table import ScoringTable
from ..data.tubes import GroundTruth
from ..protocols import TubeProtocol, get_protocol


def decode_annotation(data: bytes, type_, path: Path, what: str):
    """``data`` decoded by msgspec into ``type_``; a layout mismatch or broken JSON names the file.

    The garbage collector is paused while the decoder allocates (see :func:`~stvg_bench.core.jsonio.gc_paused`).
    """
    try:
        with gc_paused():
            return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise AnnotationError(f"invalid {what}: {exc}", path=path) from None
    except msgspec.DecodeError as exc:
        raise InputFileError(f"not valid JSON: {_malformed_where(data, str(exc))}", path=path) from None
    except RecursionError:
        raise InputFileError("JSON nested too deeply", path=path) from None


_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)$")
_NON_FINITE_LITERAL = re.compile(rb"-?(?:NaN|Infinity)")


def _malformed_where(data: bytes, reason: str) -> str:
    """msgspec's ``reason`` with its ``(byte N)`` given as line and column, a NaN or Infinity literal named
    as such, and the key the broken value belongs to (the nearest one written before it)."""
    offset = _BYTE_OFFSET.search(reason)
    if offset is None:
        return reason
    at = int(offset.group(1))
    literal = _NON_FINITE_LITERAL.match(data, at - 1 if data[at - 1 : at] == b"-" else at)
    if literal is not None:
        reason = f"{literal.group().decode()} is not a JSON number (write a finite number)"
        at = literal.start()
    else:
        reason = reason[: offset.start()].rstrip()
    keys = nearest_keys(data, at, window=4096)
    field = f", in field {quote(keys[-1][0])}" if keys else ""
    return f"{reason} at {line_column(data, at)}{field}"


#: Limits on what an annotation file may claim, so that a hostile or corrupt file is refused before
#: arrays of its claimed sizes are allocated. Real VidSTG videos have at most 4,017 frames and its test split
#: about 1.2 million ground-truth frames.
MAX_VIDEO_FRAMES = 1_000_000
MAX_FRAME_SIDE = 65_536
MAX_GROUNDTRUTH_FRAMES = 50_000_000


@dataclass(frozen=True)
class VideoFacts:
    """What an annotation says about the video of each sample, with the names its layout gives the fields."""

    video_id: list
    frame_count: list
    width: list
    height: list
    fps: list | None = None
    frame_indices: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    def check(self, path: Path) -> None:
        """Refuse a frame count outside ``[1, MAX_VIDEO_FRAMES]``, a frame side outside ``[1, MAX_FRAME_SIDE]``
        and a frame rate that is not a positive finite number, naming the annotation file, the video and
        the field. ``frame_indices`` (``{field: per-sample values}``) may lie outside the video (a reported
        defect) but not beyond ``±MAX_VIDEO_FRAMES``."""
        fps = self.fps if self.fps is not None else [1.0] * len(self.video_id)
        for video, frames, width, height, rate in zip(self.video_id, self.frame_count, self.width, self.height, fps):
            if not 1 <= frames <= MAX_VIDEO_FRAMES:
                self._refuse(path, video, "frame_count", f"is {frames}; a video has 1 to {MAX_VIDEO_FRAMES:,} frames")
            for name, value in (("width", width), ("height", height)):
                if not 1 <= value <= MAX_FRAME_SIDE:
                    self._refuse(path, video, name, f"is {value}; a frame side has 1 to {MAX_FRAME_SIDE:,} pixels")
            if not (math.isfinite(rate) and rate > 0):
                self._refuse(path, video, "fps", f"is {rate}; a frame rate is a positive finite number")
        for name, indices in self.frame_indices.items():
            for video, index in zip(self.video_id, indices):
                if not -MAX_VIDEO_FRAMES <= index <= MAX_VIDEO_FRAMES:
                    self._refuse(path, video, name, f"is {index}; frame indices lie within ±{MAX_VIDEO_FRAMES:,}")

    def _refuse(self, path: Path, video, name: str, message: str):
        raise AnnotationError(message, path=path, sample_id=video, field=self.names.get(name, name))


def check_groundtruth_frames(total_frames: int, path: Path) -> None:
    """Refuse ground-truth windows whose boxes would not fit the memory the scorer allows itself."""
    if total_frames > MAX_GROUNDTRUTH_FRAMES:
        raise AnnotationError(
            f"the ground-truth intervals cover {total_frames:,} frames, over the limit of "
            f"{MAX_GROUNDTRUTH_FRAMES:,} (a real split covers a few million)",
            path=path,
        )


def check_box_values(values: np.ndarray, path: Path | None, owner_of_row, field_name: str) -> None:
    """Refuse ground-truth box numbers beyond ±MAX_COORDINATE pixels before any area is computed from them
    (NaN, no box, passes), naming the annotation file, the owner of the row (``owner_of_row(row)``: the video
    or sample) and the field."""
    beyond = np.flatnonzero((np.abs(values) > MAX_COORDINATE).any(axis=1)) if len(values) else []
    if len(beyond):
        row = int(beyond[0])
        raise AnnotationError(f"box {quote(values[row].tolist())} has a number beyond ±{MAX_COORDINATE:.0e} "
                              "pixels", path=path, sample_id=owner_of_row(row), field=field_name)


#: The longest video an action annotation may describe (24 h); per-second arrays are sized by it.
MAX_VIDEO_SECONDS = 86_400


def check_seconds(path: Path, video: object, field_name: str, *seconds: int) -> None:
    """Refuse a time in seconds outside ``[0, MAX_VIDEO_SECONDS]`` or a ``(start, end)`` pair with
    ``end < start`` (both inclusive), naming the annotation file, the video and the field."""
    for second in seconds:
        if not 0 <= second <= MAX_VIDEO_SECONDS:
            raise AnnotationError(f"second {second} is outside 0-{MAX_VIDEO_SECONDS:,}", path=path,
                                  sample_id=video, field=field_name)
    if len(seconds) == 2 and seconds[1] < seconds[0]:
        raise AnnotationError(f"the segment [{seconds[0]}, {seconds[1]}] ends before it starts", path=path,
                              sample_id=video, field=field_name)


#: Words of a file name that name a split (``split_named_by``), besides a dataset's own split names.
SPLIT_WORDS = ("train", "val", "test")


class DatasetAdapter(ABC):
    """Knows a dataset's files, splits and query types, and loads a split.

    Its description (splits, default split, family, layouts) is what it was
    registered with in :data:`stvg_bench.registries.DATASETS`. ``version`` is
    part of the parsed-annotation cache key: bump it whenever parsing changes
    what ends up in the arrays.
    """

    name: str
    version: int = 1

    @property
    def info(self):
        from ..registries import DATASETS

        return DATASETS.info(self.name)

    def check_split(self, split: str) -> None:
        if split not in self.info.splits:
            raise OptionError(f"{self.name} has no split {quote(split)}; choose one of {', '.join(self.info.splits)}")

    @abstractmethod
    def load(self, split: str, annotations: str | Path | None = None, vidor_dir: str | Path | None = None, *,
             use_cache: bool = True, progress: bool = False, **options):
        """Parse (or read from the cache) the ground truth of ``split``.

        ``options`` are adapter-specific (GroundingYouTube: ``segments``,
        ``box_policy``, ``durations``); an adapter refuses options it does not know.
        """

    def split_named_by(self, annotations: str | Path | None) -> str | None:
        """The split the annotation file's name names (a split name as a word of it, e.g.
        ``test_annotations.json``, ``val_v2.json``), or None; a split this dataset does not have is an error."""
        if annotations is None:
            return None
        words = set(re.split(r"[^a-z0-9]+", Path(annotations).name.lower()))
        named = [split for split in dict.fromkeys((*SPLIT_WORDS, *self.info.splits)) if split in words]
        if len(named) != 1:
            return None
        if named[0] not in self.info.splits:
            raise DatasetMismatchError(f"its name says split {named[0]}, which {self.name} does not have (its "
                                       f"splits: {', '.join(self.info.splits)})", path=annotations)
        return named[0]

    def split_listed_for(self, dataset, annotations: str | Path | None) -> tuple[str, Path] | None:
        """The split whose official video list holds every video of the loaded ``dataset``, and that list;
        None where the dataset has no such lists (VidSTG has them)."""
        return None

    def refuse_options(self, options: dict, known: tuple[str, ...] = ()) -> None:
        unknown = [k for k, v in options.items() if k not in known and v is not None]
        if unknown:
            raise OptionError(f"{self.name} takes no option {', '.join(map(repr, unknown))}")


class TubeAdapter(DatasetAdapter):
    """An adapter for box tubes over frames (VidSTG, HC-STVG): it resolves protocols into scoring tables."""

    @abstractmethod
    def resolve(self, gt: GroundTruth, protocol: TubeProtocol) -> ScoringTable:
        """Resolve ``gt`` into the frames and intervals ``protocol`` scores."""


@dataclass
class Dataset:
    """A loaded tube split: columnar ground truth plus where it came from.

    ``inputs`` records each annotation input (its path and sha256; a signature of
    a VidOR directory); it is copied into every result.
    """

    adapter: TubeAdapter
    gt: GroundTruth
    inputs: dict[str, dict]
    cache_dir: Path | None = None
    _tables: dict[TubeProtocol, ScoringTable] = field(default_factory=dict, repr=False)
    split_inferred_from: str | None = None

    family = "tubes"

    def with_split(self, split: str, inferred_from: str) -> Dataset:
        """This dataset labelled ``split``, inferred from ``inferred_from`` (what ``load_dataset`` prints)."""
        return dataclasses.replace(self, gt=dataclasses.replace(self.gt, split=split),
                                   split_inferred_from=inferred_from)

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def split(self) -> str:
        return self.gt.split

    @property
    def n_samples(self) -> int:
        return self.gt.n_samples

    def summary(self) -> dict[str, object]:
        """What ``datasets check`` prints about the split besides its defects."""
        gt = self.gt
        names = list(gt.query_type_names)
        counts = np.bincount(np.asarray(gt.query_type), minlength=len(names))
        lengths = np.asarray(gt.gt_end_frame_exclusive) - np.asarray(gt.gt_start_frame)
        return {
            "samples": int(gt.n_samples),
            "videos": len(np.unique(np.asarray(gt.video_id))),
            "query types": {name: int(c) for name, c in zip(names, counts)},
            "frames in the ground-truth intervals": int(np.maximum(lengths, 0).sum()),
            "ground-truth boxes": len(gt.box_xyxy) if gt.has_boxes else "none (temporal only)",
        }

    def scoring_table(self, protocol: str | TubeProtocol) -> ScoringTable:
        """The ground truth resolved under ``protocol``: computed once per protocol, and kept
        beside the cached parse (keyed by every protocol field) when there is one."""
        protocol = get_protocol(protocol, self.family)
        if protocol in self._tables:
            return self._tables[protocol]
        stored = self.cache_dir / "tables" / protocol.cache_key() if self.cache_dir is not None else None
        table = tube_table.load(stored, protocol) if stored is not None else None
        if table is None:
            table = self.adapter.resolve(self.gt, protocol)
            if stored is not None:
                try:
                    tube_table.save(table, stored)
                except OSError:
                    pass  # a read-only cache still serves the parse
                else:
                    cache_lru.stored(self.cache_dir)  # the parsed entry grew
        self._tables[protocol] = table
        return table

    def sample_ids_from_stcat(self, item_ids: np.ndarray, path) -> np.ndarray:
        """Map STCAT / CG-STVG ``item_id``s to sample ids (by video and sentence)."""
        order = np.argsort(self.gt.stcat_item_id, kind="stable")
        index, found = lookup_sorted(np.asarray(self.gt.stcat_item_id)[order], item_ids)
        if not found.all():
            raise SampleIdError(
                f"unknown STCAT item id (this split has item ids 0-{len(order) - 1})",
                path=path,
                sample_id=int(item_ids[np.argmin(found)]),
            )
        return order[index].astype(np.int64)


@dataclass
class ActionDataset:
    """A loaded action-grounding dataset (GroundingYouTube, YouCook2-Interactions)."""

    adapter: DatasetAdapter
    gt: ActionGroundTruth
    inputs: dict[str, dict]
    split: str
    split_inferred_from: str | None = None

    family = "actions"

    def with_split(self, split: str, inferred_from: str) -> ActionDataset:
        """This dataset labelled ``split``, inferred from ``inferred_from`` (what ``load_dataset`` prints)."""
        return dataclasses.replace(self, split=split, split_inferred_from=inferred_from)

    @property
    def name(self) -> str:
        return self.gt.dataset

    @property
    def n_samples(self) -> int:
        return self.gt.n_videos

    def summary(self) -> dict[str, object]:
        """What ``datasets check`` prints about the split besides its defects."""
        gt = self.gt
        return {
            "videos": int(gt.n_videos),
            "step classes": max(len(gt.steps) - 1, 0),
            "ground-truth segments": len(gt.segment_video),
            "spatial queries (boxed seconds scored)": len(gt.queries.second),
            "box policy": gt.policy,
        }

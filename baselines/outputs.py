"""What a runner returns for one sample (the rows of its per-sample shard).

Tube outputs: the segment ``[segment_start_frame, segment_end_frame_exclusive)``
and boxes ``[x1, y1, x2, y2]`` in pixels of the annotation's frame size, on
frame ids at the annotation's fps.

Action outputs (integer seconds): spatial rows (second, kind
:data:`~stvg_bench.data.actions.POINT` or ``BOX``, point, box; NaN where
absent) and, for kind ``HEATMAP``, the grid's shape ``[h, w]`` and the frame
size ``[width, height]`` it covers (``[0, 0]`` on other rows) with the grids'
values, row-major, concatenated in row order; label rows (second, step,
point) and tubes (step, score) with box rows (tube index within the sample,
second, box).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _floats(width: int):
    return lambda: np.zeros((0, width), dtype=np.float64)


def _int_rows(width: int):
    return lambda: np.zeros((0, width), dtype=np.int64)


def _strings() -> np.ndarray:
    return np.zeros(0, dtype=object)


@dataclass(frozen=True)
class TubeOutput:
    segment_start_frame: int
    segment_end_frame_exclusive: int
    box_frame: np.ndarray = field(default_factory=_ints)
    box_xyxy: np.ndarray = field(default_factory=_floats(4))


@dataclass(frozen=True)
class ActionOutput:
    spatial_second: np.ndarray = field(default_factory=_ints)
    spatial_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    spatial_point: np.ndarray = field(default_factory=_floats(2))
    spatial_box: np.ndarray = field(default_factory=_floats(4))
    spatial_heatmap_shape: np.ndarray = field(default_factory=_int_rows(2))
    spatial_heatmap_frame_size: np.ndarray = field(default_factory=_int_rows(2))
    spatial_heatmap_values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    label_second: np.ndarray = field(default_factory=_ints)
    label_step: np.ndarray = field(default_factory=_strings)
    label_point: np.ndarray = field(default_factory=_floats(2))
    tube_step: np.ndarray = field(default_factory=_strings)
    tube_score: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    tube_box_tube: np.ndarray = field(default_factory=_ints)
    tube_box_second: np.ndarray = field(default_factory=_ints)
    tube_box_xyxy: np.ndarray = field(default_factory=_floats(4))

    def __post_init__(self) -> None:
        """Spatial rows given without heatmap shapes and frame sizes hold no heatmap: ``[0, 0]`` each."""
        n = len(self.spatial_second)
        for name in ("spatial_heatmap_shape", "spatial_heatmap_frame_size"):
            if n and not len(getattr(self, name)):
                object.__setattr__(self, name, np.zeros((n, 2), dtype=np.int64))


OUTPUT_TYPES = {"tubes": TubeOutput, "actions": ActionOutput}

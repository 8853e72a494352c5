"""Merging a run's shards into one prediction object, deterministically.

Shards are read in sample position order (sample-id order for tube datasets,
the dataset's order for action datasets); nothing time- or host-dependent
enters the predictions, so local, Ray and resumed runs give the same bytes.
"""

from __future__ import annotations

import numpy as np

from stvg_bench.data.actions import ActionPredictions
from stvg_bench.data.tubes import PredictionMeta, Predictions

from .shards import columns


def tube_predictions(table, method: dict, dataset) -> Predictions:
    values = columns(table, "tubes")
    sample_ids = table.column("sample_id").to_numpy()
    frames, lengths = values["box_frame"]
    segments = np.stack([values["segment_start_frame"][0], values["segment_end_frame_exclusive"][0]], axis=1)
    return Predictions.from_arrays(
        sample_ids, segments.reshape(-1, 2), np.repeat(sample_ids, lengths), frames, values["box_xyxy"][0],
        method=method, dataset=dataset.name, split=dataset.split, format="stvg-bench")


def _heatmaps(shapes: np.ndarray, values: np.ndarray) -> tuple:
    """One grid per spatial row (None where its shape is ``[0, 0]``), cut from the concatenated values."""
    shapes = shapes.astype(np.int64).reshape(-1, 2)
    ends = np.cumsum(shapes[:, 0] * shapes[:, 1])
    return tuple(values[end - h * w: end].reshape(h, w) if h * w else None
                 for (h, w), end in zip(shapes.tolist(), ends.tolist()))


def action_predictions(table, method: dict, dataset, task_option: str) -> ActionPredictions:
    values = columns(table, "actions")
    keys = np.asarray(table.column("sample_id").to_pylist(), dtype=str)

    def owners(name: str) -> np.ndarray:
        return np.repeat(keys, values[name][1])

    tube_counts = values["tube_step"][1]
    first_tube = np.concatenate([[0], np.cumsum(tube_counts)[:-1]]).astype(np.int64)
    tube_index = values["tube_box_tube"][0] + np.repeat(first_tube, values["tube_box_tube"][1])
    n_spatial = len(values["spatial_second"][0])
    meta = PredictionMeta(format="stvg-bench", dataset=dataset.name, split=dataset.split, method=method)
    return ActionPredictions(
        task=task_option,
        meta=meta,
        spatial_group=owners("spatial_second"),
        spatial_second=values["spatial_second"][0].astype(np.int64),
        spatial_kind=values["spatial_kind"][0].astype(np.int8),
        spatial_point=values["spatial_point"][0],
        spatial_box=values["spatial_box"][0],
        heatmaps=_heatmaps(values["spatial_heatmap_shape"][0], values["spatial_heatmap_values"][0]),
        heatmap_frame_size=values["spatial_heatmap_frame_size"][0].astype(np.int64).reshape(n_spatial, 2),
        label_video=owners("label_second"),
        label_second=values["label_second"][0].astype(np.int64),
        label_step=np.asarray(values["label_step"][0], dtype=str),
        label_point=values["label_point"][0],
        tube_video=owners("tube_step"),
        tube_step=np.asarray(values["tube_step"][0], dtype=str),
        tube_score=values["tube_score"][0].astype(np.float64),
        tube_box_tube=tube_index,
        tube_box_second=values["tube_box_second"][0].astype(np.int64),
        tube_box_xyxy=values["tube_box_xyxy"][0],
        has_tubes=task_option == "spatio-temporal" and bool(len(values["tube_step"][0])),
        videos=tuple(keys.tolist()),
    )

